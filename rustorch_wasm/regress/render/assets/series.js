/* The trend site's interactive plots (rustorch_wasm/regress/render/assets/series.js).
 *
 * Each <div class="chart" data-src="../data/<slug>.js"> is drawn with uPlot
 * (vendor/uplot/) from its series' own JSON, loaded through a <script> element
 * when the chart comes near the screen (a <script> works from file://, where
 * fetch does not). The data file calls rrSeries(doc).
 *
 * X axis: the series' own measured commits, one step each (so a series
 * measured at 35 of 1,772 commits spans the plot), or their dates. Drag to
 * zoom, double-click to zoom out. Hover: commit, date, subject, median and
 * q25-q75. Click: the commit's page (the commit URL template, else the
 * site's page of the finding there). Change points: dashed lines between the
 * last commit of a level and the first of the next; findings: their kind's
 * marker and colour. Every text is set with textContent, never as HTML.
 */
(function () {
  "use strict";
  var waiting = {};                 // slug -> [chart elements]
  var requested = {};               // slug -> true once its <script> is inserted
  var MONO = "11px ui-monospace, monospace";

  function num(v) {
    if (v === null || v === undefined || !isFinite(v)) return "n/a";
    var a = Math.abs(v);
    if (a >= 10000) return Math.round(v).toLocaleString("en-US");
    return String(Number(v.toPrecision(4)));
  }

  function commitUrl(doc, sha) {
    var t = doc.commit_url;
    if (!t || !/^[0-9a-f]{7,64}$/.test(sha)) return null;
    return t.indexOf("{commit}") >= 0 ? t.split("{commit}").join(sha) : t + sha;
  }

  function dateOf(doc, i) {
    var known = (window.RR_COMMITS || {})[doc.commits[i]];
    if (known && known[0]) return known[0];
    var t = doc.time[i];
    return t ? new Date(t * 1000).toISOString().slice(0, 10) : "";
  }

  function subjectOf(doc, i) {
    var known = (window.RR_COMMITS || {})[doc.commits[i]];
    return known ? known[1] || "" : "";
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function marker(ctx, shape, x, y, r, colour) {
    ctx.save();
    ctx.fillStyle = colour;
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    if (shape === "^" || shape === "v") {
      var d = shape === "^" ? -1 : 1;
      ctx.moveTo(x, y + d * r);
      ctx.lineTo(x - r, y - d * r * 0.8);
      ctx.lineTo(x + r, y - d * r * 0.8);
      ctx.closePath();
      ctx.fill();
    } else if (shape === "D" || shape === "P") {
      ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y);
      ctx.closePath();
      if (shape === "D") ctx.fill(); else ctx.stroke();
    } else if (shape === "s") {
      ctx.fillRect(x - r * 0.8, y - r * 0.8, r * 1.6, r * 1.6);
    } else if (shape === "x") {
      ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r);
      ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r);
      ctx.stroke();
    } else {
      ctx.arc(x, y, r * 0.8, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.restore();
  }

  /* Baseline band and line, change points and findings, over the series. */
  function overlay(doc, xs) {
    return function (u) {
      var ctx = u.ctx, px = window.devicePixelRatio || 1, b = u.bbox;
      ctx.save();
      ctx.beginPath();
      ctx.rect(b.left, b.top, b.width, b.height);
      ctx.clip();
      if (doc.baseline !== null) {
        var lo = u.valToPos(doc.baseline * (1 - doc.threshold), "y", true);
        var hi = u.valToPos(doc.baseline * (1 + doc.threshold), "y", true);
        ctx.fillStyle = "rgba(130, 224, 170, 0.18)";
        ctx.fillRect(b.left, Math.min(lo, hi), b.width, Math.abs(lo - hi));
        var y0 = u.valToPos(doc.baseline, "y", true);
        ctx.strokeStyle = "#1e8449";
        ctx.lineWidth = px;
        ctx.beginPath(); ctx.moveTo(b.left, y0); ctx.lineTo(b.left + b.width, y0); ctx.stroke();
      }
      ctx.strokeStyle = "#7d3c98";
      ctx.lineWidth = 1.5 * px;
      ctx.setLineDash([6 * px, 4 * px]);
      doc.change_points.forEach(function (i) {
        var x = u.valToPos((xs[i - 1] + xs[i]) / 2, "x", true);
        ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
      });
      ctx.setLineDash([]);
      doc.findings.forEach(function (f) {
        var v = doc.median[f.index];
        if (v === null) return;
        marker(ctx, f.marker, u.valToPos(xs[f.index], "x", true), u.valToPos(v, "y", true),
               7 * px, f.colour);
      });
      ctx.restore();
    };
  }

  function tooltip(doc, tip, u, byIndex) {
    var i = u.cursor.idx;
    if (i === null || i === undefined || u.cursor.left < 0) { tip.hidden = true; return; }
    tip.textContent = "";
    var sha = doc.commits[i], date = dateOf(doc, i), subject = subjectOf(doc, i);
    tip.appendChild(el("div", "rr-sha", sha.slice(0, 10) + (date ? "  " + date : "")));
    if (subject) tip.appendChild(el("div", "rr-subject", subject));
    var unit = doc.display_unit ? " " + doc.display_unit : "";
    tip.appendChild(el("div", "rr-value", "median " + num(doc.median[i]) + unit));
    tip.appendChild(el("div", "rr-spread",
                       "q25–q75 " + num(doc.q25[i]) + " – " + num(doc.q75[i]) + unit));
    (byIndex[i] || []).forEach(function (f) {
      var line = el("div", "rr-finding", f.icon + " " + f.label + " " + f.change);
      line.style.color = f.colour;
      tip.appendChild(line);
    });
    if (commitUrl(doc, sha) || (byIndex[i] || []).some(function (f) { return f.page; }))
      tip.appendChild(el("div", "rr-hint", "click: open the commit"));
    tip.hidden = false;
    var left = u.cursor.left + 14, width = tip.offsetWidth, room = u.over.clientWidth;
    tip.style.left = (left + width > room ? Math.max(0, u.cursor.left - width - 14) : left) + "px";
    tip.style.top = Math.max(0, u.cursor.top - 10) + "px";
  }

  function draw(chart, doc) {
    var root = chart.getAttribute("data-root") || "";
    var byDate = chart.getAttribute("data-x") === "date" && doc.time.every(Boolean);
    var n = doc.commits.length;
    var xs = byDate ? doc.time.slice() : doc.commits.map(function (_, i) { return i; });
    var byIndex = {};
    doc.findings.forEach(function (f) { (byIndex[f.index] = byIndex[f.index] || []).push(f); });
    chart.textContent = "";
    var tools = el("div", "rr-tools");
    var mode = el("button", "rr-mode", byDate ? "x: by commit" : "x: by date");
    mode.type = "button";
    mode.disabled = !doc.time.every(Boolean);
    mode.title = mode.disabled ? "no date for every commit" : "switch the x axis";
    var reset = el("button", "rr-reset", "reset zoom");
    reset.type = "button";
    tools.appendChild(mode);
    tools.appendChild(reset);
    tools.appendChild(el("span", "rr-help", "drag to zoom · double-click to zoom out · click a point to open its commit"));
    chart.appendChild(tools);
    var holder = el("div", "rr-plot");
    chart.appendChild(holder);
    var tip = el("div", "rr-tip");
    tip.hidden = true;
    var opts = {
      width: Math.max(320, chart.clientWidth || 800),
      height: 340,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 8 } },
      scales: {
        x: byDate ? { time: true } : { time: false, range: function (u, lo, hi) {
          return [lo - 0.5, hi + 0.5];
        } },
        y: doc.log ? { distr: 3 } : { range: function (u, lo, hi) {
          var top = Math.max(hi, doc.baseline === null ? hi : doc.baseline * (1 + doc.threshold));
          return [0, top > 0 ? top * 1.15 : 1];
        } }
      },
      axes: [
        byDate ? { space: 80 } : {
          space: 70, font: MONO,
          incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
          values: function (u, splits) {
            return splits.map(function (v) {
              return Number.isInteger(v) && v >= 0 && v < n ? doc.commits[v].slice(0, 7) : "";
            });
          }
        },
        { label: doc.display_unit, size: 70 }
      ],
      series: [
        { label: byDate ? "date" : "commit" },
        { label: "q75", stroke: "rgba(93, 173, 226, 0.6)", width: 0.5, points: { show: false } },
        { label: "q25", stroke: "rgba(93, 173, 226, 0.6)", width: 0.5, points: { show: false } },
        { label: "median", stroke: "#1f4e79", width: 1.5, points: { show: n <= 200, size: 4 } }
      ],
      bands: [{ series: [1, 2], fill: "rgba(93, 173, 226, 0.30)" }],
      hooks: {
        draw: [overlay(doc, xs)],
        setCursor: [function (u) { tooltip(doc, tip, u, byIndex); }]
      }
    };
    var u = new uPlot(opts, [xs, doc.q75, doc.q25, doc.median], holder);
    u.over.appendChild(tip);
    u.over.addEventListener("mouseleave", function () { tip.hidden = true; });
    /* A click (no drag) opens the commit, unless a second click makes it a
       double-click (zoom out): the page changes after DOUBLE ms. */
    var down = null, pending = null, DOUBLE = 300;
    u.over.addEventListener("mousedown", function (e) { down = [e.clientX, e.clientY]; });
    u.over.addEventListener("mouseup", function (e) {
      if (!down || Math.abs(e.clientX - down[0]) > 3 || Math.abs(e.clientY - down[1]) > 3) return;
      var i = u.cursor.idx;
      if (i === null || i === undefined) return;
      var target = commitUrl(doc, doc.commits[i]);
      var page = (byIndex[i] || []).filter(function (f) { return f.page; })[0];
      if (!target && page) target = root + page.page;
      if (!target) return;
      clearTimeout(pending);
      pending = setTimeout(function () { window.location.href = target; }, DOUBLE);
    });
    u.over.addEventListener("dblclick", function () { clearTimeout(pending); });
    reset.addEventListener("click", function () {
      u.setScale("x", { min: xs[0], max: xs[n - 1] });     // the range adds the half steps
    });
    mode.addEventListener("click", function () {
      chart.setAttribute("data-x", byDate ? "commit" : "date");
      u.destroy();
      draw(chart, doc);
    });
    chart.rrPlot = u;                // for tests and screenshots: the uPlot instance
    chart.rrDoc = doc;               // and the series' document
    chart.setAttribute("data-drawn", "1");
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        var w = Math.max(320, chart.clientWidth);
        if (Math.abs(w - u.width) > 4) u.setSize({ width: w, height: 340 });
      }).observe(chart);
    }
  }

  window.rrSeries = function (doc) {
    var charts = waiting[doc.slug] || [];
    delete waiting[doc.slug];
    charts.forEach(function (chart) { draw(chart, doc); });
  };

  function load(chart) {
    var src = chart.getAttribute("data-src"), slug = chart.getAttribute("data-slug");
    (waiting[slug] = waiting[slug] || []).push(chart);
    if (requested[slug]) return;
    requested[slug] = true;
    var s = document.createElement("script");
    s.src = src;
    s.onerror = function () { chart.textContent = "The plot's data (" + src + ") did not load."; };
    document.head.appendChild(s);
  }

  function start() {
    var charts = Array.prototype.slice.call(document.querySelectorAll("div.chart[data-src]"));
    if (typeof uPlot === "undefined") {
      charts.forEach(function (c) { c.textContent = "The plotting library did not load."; });
      return;
    }
    if (!window.IntersectionObserver) { charts.forEach(load); return; }
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) { seen.unobserve(e.target); load(e.target); }
      });
    }, { rootMargin: "400px" });
    charts.forEach(function (c) { seen.observe(c); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
