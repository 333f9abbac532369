// The big screen: draws its charts from the embedded figures, then fetches them again
// every minute and redraws in place (no page reload; CSP default-src 'self').
(function () {
  var AXIS = { axisLine: { lineStyle: { color: "#4a6bb0" } }, axisLabel: { color: "#b8c8ef", fontSize: 14 }, splitLine: { lineStyle: { color: "#1a2f5c" } } };
  var charts = {};

  function chart(id) {
    if (!charts[id]) {
      charts[id] = echarts.init(document.getElementById(id), null, { renderer: "canvas" });
      window.addEventListener("resize", function () { charts[id].resize(); });
    }
    return charts[id];
  }

  function axis(extra) { return Object.assign({}, AXIS, extra); }

  function text(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value === null || value === undefined ? "—" : value; }
  }

  function draw(d) {
    text("screen-region", d.region);
    text("screen-as-of", d.as_of);
    text("kpi-coverage", (d.coverage.rate === null ? "—" : d.coverage.rate) + "%");
    text("kpi-covering", d.coverage.covering_orgs);
    text("kpi-today-received", d.needs.today.received);
    text("kpi-today-answered", d.needs.today.answered);
    text("kpi-month-received", d.needs.month.received);
    text("kpi-month-answered", d.needs.month.answered);
    text("kpi-overdue", d.needs.overdue);
    text("kpi-visits", d.visits.visits);
    text("kpi-visit-rate", d.visits.rate);
    if (typeof echarts === "undefined") { return; }
    var names = d.streets.map(function (s) { return s.name; });
    chart("chart-streets").setOption({
      grid: { left: 60, right: 20, top: 20, bottom: 70 },
      tooltip: { trigger: "axis" },
      xAxis: axis({ type: "category", data: names, axisLabel: { color: "#b8c8ef", rotate: 35, fontSize: 13 } }),
      yAxis: axis({ type: "value", max: 100, name: "%" }),
      series: [{ type: "bar", data: d.streets.map(function (s) { return s.rate; }), itemStyle: { color: "#ffd400" } }]
    });
    chart("chart-needs").setOption({
      grid: { left: 50, right: 20, top: 40, bottom: 40 },
      tooltip: { trigger: "axis" },
      legend: { data: ["受理", "答复"], textStyle: { color: "#dce6ff", fontSize: 15 } },
      xAxis: axis({ type: "category", data: d.needs.trend.days }),
      yAxis: axis({ type: "value" }),
      series: [
        { name: "受理", type: "line", smooth: true, data: d.needs.trend.received, itemStyle: { color: "#ff5a6e" } },
        { name: "答复", type: "line", smooth: true, data: d.needs.trend.answered, itemStyle: { color: "#39d98a" } }
      ]
    });
    chart("chart-tree").setOption({
      tooltip: {},
      // streets first (sized by their units); a street opens to its communities on click
      series: [{ type: "treemap", data: d.treemap, roam: false, leafDepth: 1, width: "100%", height: "92%", top: 0,
        breadcrumb: { show: true, bottom: 0, itemStyle: { color: "#1f3d7a", textStyle: { color: "#dce6ff" } } },
        label: { fontSize: 16, formatter: "{b}\n{c}" },
        levels: [{ itemStyle: { borderColor: "#07122b", borderWidth: 3, gapWidth: 3 } }, { itemStyle: { gapWidth: 1 }, colorSaturation: [0.35, 0.6] }] }]
    });
    chart("chart-visits").setOption({
      grid: { left: 50, right: 20, top: 20, bottom: 40 },
      tooltip: { trigger: "axis" },
      xAxis: axis({ type: "category", data: d.visits.months }),
      yAxis: axis({ type: "value" }),
      series: [{ type: "bar", data: d.visits.by_month, itemStyle: { color: "#4da3ff" } }]
    });
    chart("chart-liangxin").setOption({
      grid: { left: 60, right: 20, top: 40, bottom: 70 },
      tooltip: { trigger: "axis" },
      legend: { data: ["两新组织", "已覆盖"], textStyle: { color: "#dce6ff", fontSize: 15 } },
      xAxis: axis({ type: "category", data: names, axisLabel: { color: "#b8c8ef", rotate: 35, fontSize: 13 } }),
      yAxis: axis({ type: "value" }),
      series: [
        { name: "两新组织", type: "bar", data: d.streets.map(function (s) { return s.liangxin; }), itemStyle: { color: "#5470c6" } },
        { name: "已覆盖", type: "bar", data: d.streets.map(function (s) { return s.covered; }), itemStyle: { color: "#c8102e" } }
      ]
    });
  }

  function refresh() {
    var url = document.body.getAttribute("data-source");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (d) { document.body.setAttribute("data-refreshed", d.as_of); draw(d); })
      .catch(function () { /* keep showing the last figures; try again next minute */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("screen-data");
    if (source) { draw(JSON.parse(source.textContent)); }
    var seconds = parseInt(document.body.getAttribute("data-refresh-seconds"), 10) || 60;
    window.setInterval(refresh, seconds * 1000);
  });
})();
