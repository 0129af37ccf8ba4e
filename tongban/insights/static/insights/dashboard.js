/* tongban dashboard: draws each chart from the JSON of its table (the same numbers as the
   table under it, which is the accessible form of the chart). Vendored ECharts, no network. */
(function () {
  "use strict";
  var source = document.getElementById("insights-charts");
  if (!source || typeof echarts === "undefined") { return; }
  var charts = JSON.parse(source.textContent);
  function num(text) { var n = parseFloat(text); return isNaN(n) ? null : n; }
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var t = charts[el.getAttribute("data-chart")];
    if (!t || !t.rows.length) { el.hidden = true; return; }
    var spec = t.chart, rows = t.rows.slice(0, spec.top || t.rows.length);
    var labels = rows.map(function (r) { return r[spec.x]; });
    var option;
    if (spec.type === "pie") {
      option = { tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["35%", "65%"],
        data: rows.map(function (r) { return { name: r[spec.x], value: num(r[spec.series[0]]) }; }) }] };
    } else {
      var series = spec.series.map(function (i) {
        return { name: t.columns[i], type: spec.type, data: rows.map(function (r) { return num(r[i]); }) };
      });
      var yAxis = [{ type: "value" }];
      if (spec.y2) {
        yAxis.push({ type: "value", min: 0, max: 100 });
        spec.y2.forEach(function (i) {
          series.push({ name: t.columns[i], type: "line", yAxisIndex: 1, connectNulls: true,
            data: rows.map(function (r) { return num(r[i]); }) });
        });
      }
      var horizontal = spec.type === "bar" && !spec.y2;
      // on a narrow screen the legend wraps to a second row: the plot starts below it
      var narrow = el.clientWidth < 560 && series.length > 2;
      option = { tooltip: { trigger: "axis" }, legend: { top: 0 },
        grid: { left: horizontal ? 8 : 40, right: 40, bottom: 24, top: narrow ? 64 : 32, containLabel: true },
        xAxis: horizontal ? { type: "value" } : { type: "category", data: labels },
        yAxis: horizontal ? { type: "category", data: labels.slice().reverse() } : yAxis,
        series: horizontal ? series.map(function (s) { s.data = s.data.slice().reverse(); return s; }) : series };
    }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
