/* 创城督办 dashboards: draw the ECharts from the numbers the page embeds (#dash-data, a
   json_script block). Every chart's numbers are also in a table on the page and in the .xlsx.
   No inline handlers: clicks on a region bar navigate to its drill-down URL. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  var COLORS = { blue: "#066fd1", green: "#2fb344", red: "#d63939", orange: "#f76707", gray: "#929dab" };

  // The legend sits above the grid. On a phone it wraps (the trend's five names take two lines
  // in Chinese, three in English), and ECharts does not move the grid for that: the extra lines
  // covered the plot and the y axis's top label. legendLines() lays the names out as ECharts does
  // (5 px padding, then per name a 25 px icon, 5 px, the 12 px text; 10 px between names and
  // between lines of 14 px), so the grid can start below the last line and the box can grow by
  // as much, leaving the plot its height.
  var LEGEND = { padding: 5, icon: 25, iconGap: 5, gap: 10, line: 14, font: "12px sans-serif" };
  var GRID_TOP = 36; // below one legend line, with room for the y axis's top label
  var measure = document.createElement("canvas").getContext("2d");

  function legendLines(names, width) {
    measure.font = LEGEND.font;
    var room = width - 2 * LEGEND.padding;
    var lines = 1;
    var x = 0;
    names.forEach(function (name) {
      var w = LEGEND.icon + LEGEND.iconGap + Math.ceil(measure.measureText(String(name || "")).width);
      if (x > 0 && x + w > room) {
        lines += 1;
        x = 0;
      }
      x += w + LEGEND.gap;
    });
    return lines;
  }

  // Make room for the legend at the element's current width: returns the grid's top and sets the
  // element's height (its CSS or row-based height plus the extra legend lines).
  function fitLegend(el, option) {
    if (!el.dataset.baseHeight && el.clientHeight) el.dataset.baseHeight = el.clientHeight;
    if (!el.clientWidth || !el.dataset.baseHeight) return GRID_TOP; // not displayed: nothing to measure
    var names = (option.series || []).map(function (s) { return s.name; });
    var extra = (legendLines(names, el.clientWidth) - 1) * (LEGEND.line + LEGEND.gap);
    el.style.height = Number(el.dataset.baseHeight) + extra + "px";
    return GRID_TOP + extra;
  }

  function base(extra) {
    var o = {
      animation: false,
      grid: { left: 8, right: 16, top: GRID_TOP, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
    };
    for (var k in extra) o[k] = extra[k];
    return o;
  }

  var NAME_WIDTH = 110; // a bar chart's row names, truncated past this

  // The room right of the row names (grid's 8 px left, the names and their 8 px margin, the
  // label's 5 px distance, grid's 16 px right): a note drawn at a bar's end wraps within it. On
  // an English phone the 负面清单 note ran past the box's right edge and was cut off.
  function noteWidth(el) {
    return Math.max(80, (el.clientWidth || 320) - NAME_WIDTH - 8 - 8 - 5 - 16 - 4);
  }

  function hbars(names, series) {
    return base({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: names, inverse: true, axisLabel: { width: NAME_WIDTH, overflow: "truncate" } },
      series: series,
    });
  }

  var builders = {
    trend: function (el, d) {
      var t = d.trend;
      return base({
        xAxis: { type: "category", data: t.days.map(function (s) { return s.slice(5); }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: el.dataset.labelReported, type: "bar", data: t.reported, color: COLORS.blue },
          { name: el.dataset.labelClosed, type: "bar", data: t.closed, color: COLORS.green },
          { name: el.dataset.labelInHand, type: "line", data: t.in_hand_end, color: COLORS.orange, showSymbol: false },
          { name: el.dataset.labelBacklog, type: "line", data: t.open_end, color: COLORS.gray, showSymbol: false },
          { name: el.dataset.labelOverdue, type: "line", data: t.overdue_end, color: COLORS.red, showSymbol: false },
        ],
      });
    },
    breakdown: function (el, d) {
      var rows = d.breakdown.slice(0, 20);
      return hbars(rows.map(function (r) { return r.name; }), [
        { name: el.dataset.labelInHand, type: "bar", data: rows.map(function (r) { return r.in_hand_now; }), color: COLORS.blue },
        { name: el.dataset.labelOverdue, type: "bar", data: rows.map(function (r) { return r.overdue_now; }), color: COLORS.red },
      ]);
    },
    categories: function (el, d) {
      var rows = d.categories;
      return hbars(rows.map(function (r) { return r.name; }), [
        { name: el.dataset.labelOpen, type: "bar", data: rows.map(function (r) { return r.open_now; }), color: COLORS.blue },
        { name: el.dataset.labelReported, type: "bar", data: rows.map(function (r) { return r.reported; }), color: COLORS.gray },
      ]);
    },
    severities: function (el, d) {
      var rows = d.severities;
      return hbars(rows.map(function (r) { return r.name; }), [
        { name: el.dataset.labelInHand, type: "bar", data: rows.map(function (r) { return r.in_hand_now; }), color: COLORS.blue },
        { name: el.dataset.labelOverdue, type: "bar", data: rows.map(function (r) { return r.overdue_now; }), color: COLORS.red },
      ]);
    },
    weak: function (el, d) {
      var rows = d.weak.slice(0, 15);
      return hbars(rows.map(function (r) { return r.code + " " + r.name; }), [
        {
          // The legend takes a series' colour: orange like the bars; 负面清单 indicators (red bars)
          // get their own legend entry from an empty series of that colour.
          name: el.dataset.label, type: "bar", color: COLORS.orange, stack: "loss",
          data: rows.map(function (r) {
            var item = { value: r.projected_loss, itemStyle: { color: r.negative_list ? COLORS.red : COLORS.orange } };
            if (r.negative_list && !(Number(r.projected_loss) > 0)) {
              // A 负面清单 indicator has no 分值 to lose (0), so no bar: say why, with its open issues,
              // instead of an empty row.
              item.label = {
                show: true, position: "right", color: COLORS.red,
                width: noteWidth(el), overflow: "break", lineHeight: 14,
                formatter: (el.dataset.labelNegativeZero || "").replace("{n}", r.open_issues),
              };
            }
            return item;
          }),
        },
        { name: el.dataset.labelNegative, type: "bar", color: COLORS.red, stack: "loss", data: [] },
      ]);
    },
    backlog: function (el, d) {
      var t = d.backlog;
      return base({
        xAxis: { type: "category", data: t.days.map(function (s) { return s.slice(5); }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: el.dataset.labelInHand, type: "line", data: t.in_hand_end, color: COLORS.blue, showSymbol: false },
          { name: el.dataset.labelOverdue, type: "line", data: t.overdue_end, color: COLORS.red, showSymbol: false },
        ],
      });
    },
    history: function (el, d) {
      var rows = d.history;
      return base({
        xAxis: { type: "category", data: rows.map(function (r) { return r.period_end.slice(5); }) },
        yAxis: { type: "value", inverse: true, minInterval: 1, min: 1 },
        series: [{ name: el.dataset.label, type: "line", data: rows.map(function (r) { return r.rank; }), color: COLORS.blue }],
      });
    },
  };

  ready(function () {
    var source = document.getElementById("dash-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var build = builders[el.dataset.chart];
      if (!build) return;
      var option = build(el, data);
      var rows = option.yAxis && option.yAxis.data ? option.yAxis.data.length : 0;
      if (rows > 8) el.style.height = 60 + rows * 26 + "px";
      option.grid.top = fitLegend(el, option);
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      if (el.dataset.chart === "breakdown") {
        chart.on("click", function (p) {
          var row = data.breakdown[p.dataIndex];
          if (row && row.drill) window.location.search = "?region=" + row.id + "&days=" + (el.dataset.days || 30);
        });
      }
      el.setAttribute("data-ready", "1");
      charts.push({ chart: chart, el: el, option: option });
    });
    window.addEventListener("resize", function () {
      // a phone turned sideways: each chart is built again for its new width (the legend may
      // take fewer lines, or more turned back; the 负面清单 notes wrap to the new room)
      charts.forEach(function (c) {
        c.option = builders[c.el.dataset.chart](c.el, data);
        c.option.grid.top = fitLegend(c.el, c.option);
        c.chart.setOption(c.option);
        c.chart.resize();
      });
    });
  });
})();
