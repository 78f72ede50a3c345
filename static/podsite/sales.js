/* The sales dashboard's charts: each <canvas data-chart="ID"> is drawn from the json_script element ID (built by
 * designs/admin/sales.py: labels, datasets in major units, the currency) with the vendored Chart.js. Money axes and
 * tooltips are formatted as money in the chart's currency; counts as whole numbers; the same numbers are in the
 * table under each chart. */
(function () {
  "use strict";

  const COLOURS = { revenue: "#417690", profit: "#2e8540", orders: "#c98a1a", other: "#79aec8" };

  function formatter(kind, currency) {
    if (kind === "money" && currency) {
      const money = new Intl.NumberFormat(undefined, { style: "currency", currency: currency, maximumFractionDigits: 2 });
      return (value) => money.format(value);
    }
    if (kind === "percent") return (value) => value + " %";
    if (kind === "ratio") return (value) => value + " ×";
    const count = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
    return (value) => count.format(value);
  }

  function colour(label) {
    return COLOURS[label.toLowerCase()] || COLOURS.other;
  }

  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined") return;
    const spec = JSON.parse(source.textContent);
    const valueAxis = spec.horizontal ? "x" : "y";
    const scales = {};
    const datasets = spec.datasets.map((set) => {
      // On a line chart of money, counts (orders) are bars on an axis of their own at the right.
      const ownAxis = spec.type === "line" && set.kind === "count";
      const axis = ownAxis ? "y1" : valueAxis;
      const format = formatter(set.kind, spec.currency);
      scales[axis] = {
        position: ownAxis ? "right" : undefined,
        beginAtZero: true,
        grid: { drawOnChartArea: !ownAxis },
        title: { display: true, text: ownAxis ? set.label : (set.kind === "money" ? spec.currency : set.label) },
        // Counts are whole (no "0.5 orders"); a share is out of 100.
        ticks: { callback: (value) => format(value), precision: set.kind === "money" ? undefined : 0 },
        max: set.kind === "percent" ? 100 : undefined,
      };
      return {
        type: ownAxis ? "bar" : spec.type,
        label: set.label,
        data: set.data,
        yAxisID: spec.horizontal ? undefined : axis,
        borderColor: colour(set.label),
        backgroundColor: colour(set.label) + (ownAxis ? "66" : "cc"),
        tension: 0.2,
        pointRadius: spec.labels.length > 40 ? 0 : 3,
        order: ownAxis ? 2 : 1,
        format: format,
      };
    });
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: { display: datasets.length > 1 },
          tooltip: {
            callbacks: {
              label: (item) => item.dataset.label + ": " + item.dataset.format(item.raw),
            },
          },
        },
      },
    });
  }

  function start() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
