import { describe, expect, it } from 'vitest';
import { ChartType, ScaleType, type LineChart } from './charts.js';
import { Result } from './result.js';

// A line as the agent sends a matplotlib figure: PNG, the figure's text, its chart.
const line: LineChart = {
  type: ChartType.LINE,
  title: 'Plot',
  x_label: 'Time (s)',
  y_label: null,
  x_unit: 's',
  y_unit: null,
  x_ticks: [0, 1],
  x_tick_labels: ['0', '1'],
  x_scale: ScaleType.LINEAR,
  y_ticks: [0, 1],
  y_tick_labels: ['0', '1'],
  y_scale: ScaleType.LINEAR,
  elements: [{ label: 'sin', points: [[0, 0], [1, 0.84]] }],
};
const figureLine = { type: 'result', text: '<Figure size 640x480 with 1 Axes>', png: 'iVBOR', chart: line, is_main_result: false };
const frameLine = { type: 'result', text: '   a\n0  1', html: '<table>', data: { a: [1] }, is_main_result: true };

describe('Result (chart and data)', () => {
  it('carries a chart and DataFrame data as sent, typed as the official SDK types them', () => {
    const figure = new Result(figureLine, false);
    expect(figure.chart).toEqual(line);
    expect(figure.chart?.type).toBe(ChartType.LINE);
    const frame = new Result(frameLine, true);
    expect(frame.data).toEqual({ a: [1] });
    expect(frame.extra).toEqual({});
  });

  it('lists chart and data among the formats, as the Python SDK does', () => {
    expect(new Result(figureLine, false).formats()).toEqual(['png', 'chart']);
    expect(new Result(frameLine, true).formats()).toEqual(['html', 'data']);
  });

  it('keeps chart and data in toJSON', () => {
    expect(new Result(figureLine, false).toJSON()).toMatchObject({ png: 'iVBOR', chart: line });
  });
});
