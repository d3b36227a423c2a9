"""The result formats E2B's code interpreter adds to IPython's, and its image display rules.

  e2b/data   a pandas DataFrame as {column: [values, ...]} (`Result.data`), as E2B's template
             registers it: DataFrame.to_dict(orient="list"), timestamps as ISO 8601 text
  e2b/chart  a matplotlib figure's data (`Result.chart`, see codebox_charts)
  PIL        Image.show() displays the image in the execution's results (a PNG) instead of
             starting a desktop viewer, and Image.save(path) displays it too, as in E2B's template
             (except a save matplotlib makes for savefig, which E2B's rule would show twice)

Neither pandas, matplotlib nor PIL is imported here: a kernel whose code never uses them does
not pay for them. The PIL rules are applied when the code first imports PIL.Image.
"""

import importlib.abc
import importlib.util
import os
import sys
import traceback

from IPython.core.formatters import BaseFormatter
from traitlets import ObjectName, Unicode

from codebox_charts import figure_chart
from codebox_plain import plain


class _QuietFormatter(BaseFormatter):
    """A formatter whose failure loses its format only: IPython would show the traceback as the
    cell's error, and E2B's answers `{}` there instead. The cause goes to the agent's log."""

    _return_type = (dict,)
    diagnostics = None

    def __call__(self, obj):
        # Switched off as any IPython format is (formatter.enabled = False).
        if not self.enabled:
            return None
        try:
            value = self.compute(obj)
        except Exception:
            if self.diagnostics is not None:
                print("codebox %s formatter failed:" % self.format_type, file=self.diagnostics)
                traceback.print_exc(file=self.diagnostics)
            return None
        return value if value is not None else super().__call__(obj)

    def compute(self, obj):
        raise NotImplementedError


class DataFormatter(_QuietFormatter):
    format_type = Unicode("e2b/data")
    print_method = ObjectName("_repr_e2b_data_")

    def compute(self, obj):
        pandas = sys.modules.get("pandas")
        if pandas is None or not isinstance(obj, pandas.DataFrame):
            return None
        return plain(obj.to_dict(orient="list"))


class ChartFormatter(_QuietFormatter):
    format_type = Unicode("e2b/chart")
    print_method = ObjectName("_repr_e2b_chart_")

    def compute(self, obj):
        figure_module = sys.modules.get("matplotlib.figure")
        if figure_module is None or not isinstance(obj, figure_module.Figure):
            return None
        # A blank figure has no chart: the format is left out (E2B sends an empty object).
        return figure_chart(obj)


def install(shell, diagnostics):
    _QuietFormatter.diagnostics = diagnostics
    formatters = shell.display_formatter.formatters
    formatters["e2b/data"] = DataFormatter(parent=shell.display_formatter)
    formatters["e2b/chart"] = ChartFormatter(parent=shell.display_formatter)
    _after_import("PIL.Image", _display_pil_images)


def _display_pil_images(image_module):
    from IPython.display import display
    from PIL import ImageShow

    class ResultViewer(ImageShow.Viewer):
        """Shows an image as this execution's result; first in line, so no desktop viewer starts."""

        def show_image(self, image, **options):
            display(image)
            return 1

    ImageShow.register(ResultViewer, 0)
    original_save = image_module.Image.save

    def save(self, fp, format=None, **params):
        # Saved to a named file: shown as well, so the code's picture reaches the caller. Not
        # when matplotlib saves (savefig writes PNGs through PIL): the figure shows itself.
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if isinstance(fp, (str, os.PathLike)) and not caller.startswith("matplotlib"):
            display(self)
        return original_save(self, fp, format, **params)

    save.__doc__ = original_save.__doc__
    image_module.Image.save = save


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs a callback on a module right after it is first imported, without importing it now."""

    def __init__(self, name, callback):
        self.name = name
        self.callback = callback

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        callback = self.callback

        class Loader(importlib.abc.Loader):
            def create_module(self, spec):
                return loader.create_module(spec)

            def exec_module(self, module):
                loader.exec_module(module)
                callback(module)

        spec.loader = Loader()
        return spec


def _after_import(name, callback):
    if name in sys.modules:
        callback(sys.modules[name])
    else:
        sys.meta_path.insert(0, _AfterImport(name, callback))
