import { TimePoint } from '@internal/plugin-mlops-common';
import Typography from '@material-ui/core/Typography';
import { makeStyles, useTheme } from '@material-ui/core/styles';
import useMeasure from 'react-use/esm/useMeasure';
import {
  CartesianGrid,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import {
  clockTime,
  summarizeSeries,
  summaryText,
  usablePoints,
} from './series';

/** @public */
export interface TimeSeriesChartProps {
  /** What the series is, e.g. "p95 latency over the last hour": the figure's name and caption. */
  title: string;
  series: readonly TimePoint[] | undefined;
  /** Formats a value for the axis, the tooltip and the text summary. */
  format: (value: number) => string;
  /** Width in px; by default the width of the card (360 until it is measured). */
  width?: number;
  /** Height in px (default 120). */
  height?: number;
  /** Fixed value axis, e.g. `[0, 100]` for a percentage. */
  domain?: [number, number];
  /** Said instead of the chart when the series has no usable point. */
  emptyText?: string;
}

const FALLBACK_WIDTH = 360;
const DEFAULT_HEIGHT = 120;

const useStyles = makeStyles(theme => ({
  figure: {
    margin: 0,
    marginTop: theme.spacing(1),
  },
  plot: {
    width: '100%',
    overflow: 'hidden',
  },
}));

/**
 * A small line chart of one series over time, with its numbers (latest, min,
 * max) in the caption: the chart is never the only carrier of a value.
 */
export function TimeSeriesChart(props: TimeSeriesChartProps) {
  const classes = useStyles();
  const theme = useTheme();
  const [measureRef, measured] = useMeasure<HTMLDivElement>();
  const points = usablePoints(props.series);
  const summary = summarizeSeries(points);

  if (!summary) {
    return (
      <Typography variant="body2" color="textSecondary">
        {props.emptyText ?? `${props.title}: no samples`}
      </Typography>
    );
  }

  const width =
    props.width ??
    (measured.width > 0 ? Math.floor(measured.width) : FALLBACK_WIDTH);
  const height = props.height ?? DEFAULT_HEIGHT;
  return (
    <figure className={classes.figure} aria-label={props.title}>
      <Typography variant="caption" component="figcaption">
        {props.title}: {summaryText(summary, props.format)}
      </Typography>
      <div ref={measureRef} className={classes.plot} aria-hidden="true">
        <LineChart
          width={width}
          height={height}
          data={points}
          margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={['dataMin', 'dataMax']}
            tickFormatter={clockTime}
            minTickGap={24}
            fontSize={11}
          />
          <YAxis
            width={56}
            domain={props.domain ?? [0, 'auto']}
            tickFormatter={props.format}
            fontSize={11}
            allowDecimals
          />
          <Tooltip
            labelFormatter={(t: number) => clockTime(t)}
            formatter={(v: number) => [props.format(v), props.title]}
          />
          <Line
            type="monotone"
            dataKey="v"
            name={props.title}
            dot={false}
            isAnimationActive={false}
            stroke={theme.palette.primary.main}
            strokeWidth={2}
          />
        </LineChart>
      </div>
    </figure>
  );
}
