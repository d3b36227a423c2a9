/**
 * The chart a code-interpreter result carries for a matplotlib figure (`Result.chart`, the
 * `e2b/chart` format), with the field names and types of `@e2b/code-interpreter`'s chart types,
 * so code written against that SDK reads ours unchanged. The sandbox extracts it from the
 * figure's artists (docs/languages.md lists what each chart type holds).
 */

/** Which kind of chart the figure's axes hold. */
export enum ChartType {
  LINE = 'line',
  SCATTER = 'scatter',
  BAR = 'bar',
  PIE = 'pie',
  BOX_AND_WHISKER = 'box_and_whisker',
  SUPERCHART = 'superchart',
  UNKNOWN = 'unknown',
}

/** An axis's scale: matplotlib's scale name, or `datetime` / `categorical` for date and string axes. */
export enum ScaleType {
  LINEAR = 'linear',
  DATETIME = 'datetime',
  CATEGORICAL = 'categorical',
  LOG = 'log',
  SYMLOG = 'symlog',
  LOGIT = 'logit',
  FUNCTION = 'function',
  FUNCTIONLOG = 'functionlog',
  ASINH = 'asinh',
}

/** What every chart has; `title` is null when the axes have none (a superchart's is `''` then). */
export interface Chart {
  type: ChartType;
  title: string | null;
  elements: unknown[];
}

/** A chart with x and y axes; a unit is the label's `(unit)` or `[unit]` part. */
export interface Chart2D extends Chart {
  x_label: string | null;
  y_label: string | null;
  x_unit: string | null;
  y_unit: string | null;
}

/** One plotted series: numbers as numbers, dates as ISO 8601 text, categories as text. */
export interface PointData {
  label: string;
  points: [number | string, number | string][];
}

export interface PointChart extends Chart2D {
  x_ticks: (number | string)[];
  x_scale: ScaleType;
  x_tick_labels: string[];
  y_ticks: (number | string)[];
  y_scale: ScaleType;
  y_tick_labels: string[];
  elements: PointData[];
}

export interface LineChart extends PointChart {
  type: ChartType.LINE;
}

export interface ScatterChart extends PointChart {
  type: ChartType.SCATTER;
}

/** One bar: its category (`label`), its series (`group`) and its value. */
export interface BarData {
  label: string;
  value: number;
  group: string;
}

/** Bars; `x_label` names the categories and `y_label` the values, also for horizontal bars. */
export interface BarChart extends Chart2D {
  type: ChartType.BAR;
  elements: BarData[];
}

/** One wedge: its angle in degrees and its radius. */
export interface PieData {
  label: string;
  angle: number;
  radius: number;
}

export interface PieChart extends Chart {
  type: ChartType.PIE;
  elements: PieData[];
}

/** One box: whisker ends (`min`, `max`), quartiles, median and the points beyond the whiskers. */
export interface BoxAndWhiskerData {
  label: string;
  min: number;
  first_quartile: number;
  median: number;
  third_quartile: number;
  max: number;
  outliers: number[];
}

export interface BoxAndWhiskerChart extends Chart2D {
  type: ChartType.BOX_AND_WHISKER;
  elements: BoxAndWhiskerData[];
}

/** A figure with several axes: one chart per axes, titled with the figure's suptitle. */
export interface SuperChart extends Chart {
  type: ChartType.SUPERCHART;
  elements: Chart[];
}

export type ChartTypes = LineChart | ScatterChart | BarChart | PieChart | BoxAndWhiskerChart | SuperChart;
