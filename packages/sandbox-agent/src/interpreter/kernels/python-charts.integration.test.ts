// The Python kernel's result-shaping pieces (kernels/python/codebox_charts.py, codebox_plain.py) on
// their own: pure functions and figures built with matplotlib's Agg backend in the dev image, no
// kernel in between. The end-to-end shapes (through both SDKs) are in the scenario table
// (test/support/interpreter-scenarios.ts); these are the cases E2B's tests do not cover.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKernelContainer, type KernelContainer } from '../../testing/kernel-container.js';

describe('python chart extraction and plain values (dev image)', () => {
  let container: KernelContainer;
  beforeAll(async () => {
    container = await startKernelContainer();
  });
  afterAll(() => container?.close());

  /** Runs `body` (which sets `out`) next to the kernel modules and returns `out` as JSON. */
  const python = (body: string): unknown => {
    const program = [
      'import json, sys',
      'sys.path.insert(0, "/opt/codebox/kernels/python")',
      'import matplotlib',
      'matplotlib.use("agg")',
      'import matplotlib.pyplot as plt',
      'import numpy as np',
      'from codebox_charts import figure_chart, unit_of, tidy, chart_kind',
      'from codebox_plain import plain',
      body,
      'print(json.dumps(out, allow_nan=False))',
    ].join('\n');
    return JSON.parse(container.exec(['python3', '-c', program]));
  };

  it('reads units from "(unit)" after a space or "[unit]", and nothing else', () => {
    expect(python('out = [unit_of(s) for s in ["Time (s)", "Length [m]", "f(x)", "Speed (km/h) [ignored]", "", None]]')).toEqual([
      's',
      'm',
      null,
      'km/h',
      null,
      null,
    ]);
  });

  it('tidies arithmetic noise but keeps real precision', () => {
    expect(python('out = [tidy(324.00000000000006), tidy(0.1 + 0.2), tidy(84.75), tidy(1 / 3)]')).toEqual([324, 0.3, 84.75, 0.333333333333]);
  });

  it('makes values JSON can carry: NaN, numpy scalars, dates, NaT and non-string keys', () => {
    const out = python(
      [
        'import datetime, pandas as pd',
        'frame = pd.DataFrame({1: [np.int64(2), np.nan], "d": [pd.Timestamp("2024-01-02 03:04:05"), pd.NaT]})',
        'out = [plain(frame.to_dict(orient="list")), plain([np.float32(1.5), np.bool_(True), float("inf"), datetime.date(2024, 1, 2), np.datetime64("2024-01-02T03:04")])]',
      ].join('\n'),
    );
    expect(out).toEqual([{ '1': [2, null], d: ['2024-01-02T03:04:05', null] }, [1.5, true, null, '2024-01-02', '2024-01-02T03:04:00']]);
  });

  it('has no chart for a blank figure, and leaves a colorbar out of the axes', () => {
    const out = python(
      [
        'blank = figure_chart(plt.figure())',
        'fig, ax = plt.subplots()',
        'lines = ax.scatter([1, 2], [3, 4], c=[0.1, 0.9])',
        'fig.colorbar(lines)',
        'out = [blank, figure_chart(fig)["type"]]',
      ].join('\n'),
    );
    expect(out).toEqual([null, 'scatter']);
  });

  it('keeps reference lines out of a scatter chart and NaN out of the JSON', () => {
    const out = python(
      [
        'fig, ax = plt.subplots()',
        'ax.scatter([1, 2], [3, 4], label="s")',
        'ax.axhline(3.5)',
        'scatter = figure_chart(fig)',
        'fig2, ax2 = plt.subplots()',
        'ax2.plot([1, 2, 3], [1, float("nan"), 3])',
        'out = [scatter["type"], scatter["elements"], figure_chart(fig2)["elements"][0]["points"]]',
      ].join('\n'),
    );
    expect(out).toEqual([
      'scatter',
      [{ label: 's', points: [[1, 3], [2, 4]] }],
      [[1, 1], [2, null], [3, 3]],
    ]);
  });

  it('names each bar by its category and group, also grouped and horizontal', () => {
    const out = python(
      [
        'fig, ax = plt.subplots()',
        'x = np.arange(2)',
        'ax.bar(x - 0.2, [1, 2], 0.4, label="2023")',
        'ax.bar(x + 0.2, [3, 4], 0.4, label="2024")',
        'ax.set_xticks(x, ["north", "south"])',
        'grouped = figure_chart(fig)["elements"]',
        'fig2, ax2 = plt.subplots()',
        'ax2.barh(["a", "b"], [5, 5])',
        'ax2.set_xlabel("Count")',
        'ax2.set_ylabel("Kind")',
        'flat = figure_chart(fig2)',
        'out = [grouped, flat["elements"], flat["x_label"], flat["y_label"]]',
      ].join('\n'),
    );
    expect(out).toEqual([
      [
        { label: 'north', group: '2023', value: 1 },
        { label: 'south', group: '2023', value: 2 },
        { label: 'north', group: '2024', value: 3 },
        { label: 'south', group: '2024', value: 4 },
      ],
      [
        { label: 'a', group: 'Group 0', value: 5 },
        { label: 'b', group: 'Group 0', value: 5 },
      ],
      'Kind',
      'Count',
    ]);
  });

  it('reads a horizontal box plot and a box with several outliers', () => {
    const out = python(
      [
        'fig, ax = plt.subplots()',
        'ax.boxplot([[10, 11, 12, 13, 14, 15, 16, 100, -50], [2, 3, 4]], orientation="horizontal", tick_labels=["a", "b"], patch_artist=True)',
        'out = figure_chart(fig)["elements"]',
      ].join('\n'),
    );
    expect(out).toEqual([
      { label: 'a', min: 10, first_quartile: 11, median: 13, third_quartile: 15, max: 16, outliers: [-50, 100] },
      { label: 'b', min: 2, first_quartile: 2.5, median: 3, third_quartile: 3.5, max: 4, outliers: [] },
    ]);
  });

  it('converts a scatter chart\'s date offsets back to dates', () => {
    const out = python(
      [
        'import datetime',
        'fig, ax = plt.subplots()',
        'ax.scatter([datetime.datetime(2024, 1, 2, 12)], [1])',
        'chart = figure_chart(fig)',
        'out = [chart["x_scale"], chart["elements"][0]["points"]]',
      ].join('\n'),
    );
    expect(out).toEqual(['datetime', [['2024-01-02T12:00:00+00:00', 1]]]);
  });

  it('calls images, filled areas and mixed artists unknown', () => {
    const out = python(
      [
        'kinds = []',
        'for draw in (lambda ax: ax.imshow([[1, 2], [3, 4]]), lambda ax: ax.fill_between([1, 2], [1, 2]), lambda ax: (ax.plot([1, 2]), ax.bar([1], [2]))):',
        '    fig, ax = plt.subplots()',
        '    draw(ax)',
        '    kinds.append(chart_kind(ax))',
        'out = kinds',
      ].join('\n'),
    );
    expect(out).toEqual(['unknown', 'unknown', 'unknown']);
  });
});
