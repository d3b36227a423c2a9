"""Values made plain for the event channel's JSON: what `json.dumps` writes without loss or error.

Results built from user data (a DataFrame's columns, a figure's points) hold numpy scalars,
dates, NaN and non-string keys. `json.dumps` would write NaN as a bare `NaN` (not JSON: the agent
could not read the event) and stringify a numpy integer through `default=str`; so they are
converted here: numbers to Python numbers, NaN and infinities to null, dates and times to ISO
8601 text, mapping keys to strings.
"""

import datetime
import decimal
import math
import sys


def plain(value):
    """`value` with every part JSON can carry as itself; anything else as its str()."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key if isinstance(key, str) else str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (datetime.date, datetime.time)):
        # pandas' NaT is a datetime whose isoformat() is "NaT": it is a missing value.
        return None if _is_missing_time(value) else value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return plain(float(value))
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, numpy.datetime64):
            return None if numpy.isnat(value) else str(value.astype("datetime64[s]"))
        if isinstance(value, numpy.generic):
            return plain(value.item())
        if isinstance(value, numpy.ndarray):
            return [plain(item) for item in value.tolist()]
    return str(value)


def _is_missing_time(value):
    pandas = sys.modules.get("pandas")
    return pandas is not None and value is pandas.NaT
