import { formatCount, formatDay } from '../lib/format';
import { layoutChart, type DayCount } from '../lib/chart';

/**
 * Sign-ups per day as an SVG bar chart, drawn by hand (no chart library: a few hundred bytes). Each bar has a
 * tooltip; the numbers are also in a table below it for screen readers and keyboard users.
 */
export function SignupChart({ days }: { days: DayCount[] }) {
  const chart = layoutChart(days);
  const first = days[0]?.date;
  const last = days.at(-1)?.date;
  const summary = `${formatCount(chart.total)} sign-ups from ${first ? formatDay(first) : '—'} to ${last ? formatDay(last) : '—'}`;
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${chart.width} ${chart.height}`}
        role="img"
        aria-labelledby="signup-chart-title"
        data-testid="signup-chart"
      >
        <title id="signup-chart-title">{summary}</title>
        {chart.ticks.map((tick) => (
          <g key={tick.value} className="chart-tick">
            <line x1={chart.plot.left} x2={chart.plot.right} y1={tick.y} y2={tick.y} />
            <text x={chart.plot.left - 6} y={tick.y} dy="0.32em" textAnchor="end">
              {tick.value}
            </text>
          </g>
        ))}
        {chart.bars.map((bar) => (
          <rect
            key={bar.date}
            className="chart-bar"
            x={bar.x}
            y={bar.y}
            width={bar.width}
            height={bar.height}
            data-count={bar.count}
          >
            <title>{`${formatDay(bar.date)}: ${bar.count}`}</title>
          </rect>
        ))}
        {chart.labels.map((label) => (
          <text key={label.date} className="chart-label" x={label.x} y={chart.height - 6} textAnchor="middle">
            {formatDay(label.date)}
          </text>
        ))}
      </svg>
      <figcaption>{summary} (UTC days).</figcaption>
      <details>
        <summary>Show the numbers</summary>
        <table className="compact">
          <caption className="visually-hidden">Sign-ups per day</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Sign-ups</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.date}>
                <td>{formatDay(d.date)}</td>
                <td>{d.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
