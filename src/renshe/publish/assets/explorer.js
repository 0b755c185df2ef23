/* renshe explorer: every observation, filtered, sorted and downloaded in the browser.
 * Plain JavaScript, no library, no network: the data is window.RENSHE_OBSERVATIONS
 * (assets/observations.js, written by renshe.publish.site.explorer). Document text is
 * untrusted: it only ever reaches the page through textContent and attributes.
 * The URL hash keeps the filters (#region=衢州市&indicator=...; #source=doc_id:line), so a
 * source reference elsewhere on the site opens the explorer on its line. */
(function () {
  "use strict";
  var PAGE_SIZE = 25;
  var EXCERPT = 24; // characters kept on each side of the figure in a long source line
  var FULL_LINES_UP_TO = 8; // fewer rows than this: quote each source line whole
  var FILTERS = [
    {key: "region", label: "地区 region"},
    {key: "indicator", label: "指标 indicator"},
    {key: "doc", label: "文件 document"},
    {key: "measure", label: "口径 measure"},
    {key: "period", label: "时期 period"}
  ];
  var MEASURES = {actual: "实际 actual", target: "目标 target", change: "变化 change", change_pct: "变化率 change %"};
  var COLUMNS = [
    {key: "region", label: "地区 region"},
    {key: "indicatorShort", label: "指标 indicator", title: "indicatorName"},
    {key: "period", label: "时期 period", sort: "periodKey"},
    {key: "measureLabel", label: "口径 measure"},
    {key: "display", label: "数值 value", sort: "value", numeric: true},
    {key: "printed", label: "原文 as printed"},
    {key: "cited", label: "来源 source", sort: "sourceKey"},
    {key: "sourceText", label: "原文行 source line"}
  ];

  function periodKey(period) { // the same order as report.formatting.period_sort_key
    var m;
    if ((m = /^(\d{4})-(\d{4})$/.exec(period))) return [+m[2], 0, +m[1]];
    if ((m = /^(\d{4})-Q([1-4])$/.exec(period))) return [+m[1], +m[2] * 3, 1];
    if ((m = /^(\d{4})-(\d{2})$/.exec(period))) return [+m[1], +m[2], 2];
    if (/^\d{4}$/.test(period)) return [+period, 13, 0];
    return [9999, 99, 0];
  }
  function compareKeys(a, b) {
    if (Array.isArray(a)) {
      for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
      return 0;
    }
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b), "zh-CN");
  }

  // a source line as a reader reads it: the document's short title, the page (a PDF's) and the line,
  // as report.formatting.line_words writes it: 《浙江省人社事业发展“十四五”规划》第171行
  function cited(data, doc, line, page) {
    var title = (data.cites || {})[doc] || doc;
    return "《" + title + "》" + (page ? "第" + page + "页" : "") + "第" + line + "行";
  }

  function build(data) {
    var f = {};
    data.fields.forEach(function (name, i) { f[name] = i; });
    return data.rows.map(function (row, index) {
      var indicatorId = row[f.indicator_id] || "";
      var names = data.indicators || {};
      return {
        raw: row, index: index,
        region: row[f.region] || "", doc: row[f.doc_id] || "", measure: row[f.measure] || "",
        period: String(row[f.period] || ""), indicator: indicatorId || ("—" + (row[f.indicator_zh] || "")),
        indicatorName: indicatorId ? (names[indicatorId] || indicatorId) : (row[f.indicator_zh] || "") + " [未编码 unmapped]",
        indicatorShort: indicatorId ? (names[indicatorId] || indicatorId).split(" · ")[0] : (row[f.indicator_zh] || "") + " [未编码]",
        measureLabel: MEASURES[row[f.measure]] || row[f.measure] || "",
        display: data.display[index], value: row[f.value],
        context: (data.context || [])[index] || null,
        line: Number(row[f.source_line]), page: f.source_page === undefined ? 0 : Number(row[f.source_page] || 0),
        printed: String(row[f.value_raw] || "") + String(row[f.unit_raw] || ""),
        figure: String(row[f.value_raw] || ""),
        source: row[f.doc_id] + ":" + row[f.source_line],
        cited: cited(data, row[f.doc_id], row[f.source_line], f.source_page === undefined ? 0 : Number(row[f.source_page] || 0)),
        sourceKey: [row[f.doc_id], row[f.source_line]],
        sourceText: data.texts[row[f.source_text]] || "",
        periodKey: periodKey(String(row[f.period] || "")),
        search: ((row[f.indicator_zh] || "") + " " + (names[indicatorId] || "") + " " + indicatorId + " " +
                 (row[f.value_raw] || "") + " " + data.texts[row[f.source_text]]).toLowerCase()
      };
    });
  }

  function excerpt(text, figure) { // the part of a long line around its figure, as the report pages quote it
    if (text.length <= 2 * EXCERPT + figure.length + 4) return text;
    var at = figure ? text.indexOf(figure) : -1;
    if (at < 0) return text.slice(0, 2 * EXCERPT) + "…";
    var start = Math.max(0, at - EXCERPT), end = Math.min(text.length, at + figure.length + EXCERPT);
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function readHash() {
    var state = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      if (!part) return;
      var pair = part.split("=");
      state[decodeURIComponent(pair[0])] = decodeURIComponent(pair.slice(1).join("="));
    });
    return state;
  }
  function writeHash(state) {
    var parts = Object.keys(state).filter(function (k) { return state[k]; }).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(state[k]);
    });
    history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname + location.search);
  }

  function csvField(value) {
    if (value === null || value === undefined) return "";
    var text = String(value);
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function csvText(data, rows) { // the columns and order of downloads/observations.csv, UTF-8 with a BOM
    var textColumn = data.fields.indexOf("source_text");
    var floats = data.fields.map(function (name) { return (data.floats || []).indexOf(name) >= 0; });
    var lines = [data.fields.join(",")];
    rows.forEach(function (row) {
      lines.push(row.raw.map(function (value, i) {
        if (i === textColumn) return csvField(data.texts[value]);
        if (floats[i] && typeof value === "number" && Number.isInteger(value)) return value.toFixed(1);
        return csvField(value);
      }).join(","));
    });
    return "\ufeff" + lines.join("\n") + "\n";
  }

  function Explorer(root, data) {
    this.root = root;
    this.data = data;
    this.rows = build(data);
    this.state = readHash();
    this.page = 0;
    this.render();
    var self = this;
    window.addEventListener("hashchange", function () { self.state = readHash(); self.page = 0; self.sync(); self.update(); });
  }

  Explorer.prototype.options = function (key) {
    var seen = {}, values = [];
    this.rows.forEach(function (row) {
      var value = key === "indicator" ? row.indicator : row[key];
      if (!seen.hasOwnProperty(value)) {
        seen[value] = key === "indicator" ? row.indicatorName : key === "measure" ? row.measureLabel :
          key === "doc" ? (this.data.documents[value] || value) : value;
        values.push(value);
      }
    }, this);
    if (key === "period") values.sort(function (a, b) { return compareKeys(periodKey(a), periodKey(b)); });
    if (key === "indicator") values.sort(function (a, b) { return compareKeys(seen[a], seen[b]); });
    return values.map(function (value) { return {value: value, label: seen[value]}; });
  };

  Explorer.prototype.render = function () {
    var self = this;
    this.root.textContent = "";
    var form = el("form", {"class": "renshe-explorer-filters", role: "search"});
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    this.selects = {};
    FILTERS.forEach(function (filter) {
      var label = el("label", {}, filter.label + " ");
      var select = el("select", {name: filter.key, "data-filter": filter.key});
      select.appendChild(el("option", {value: ""}, "全部 all"));
      self.options(filter.key).forEach(function (option) {
        select.appendChild(el("option", {value: option.value}, option.label));
      });
      select.addEventListener("change", function () { self.state[filter.key] = select.value; self.changed(); });
      label.appendChild(select);
      form.appendChild(label);
      self.selects[filter.key] = select;
    });
    var searchLabel = el("label", {}, "搜索 search ");
    this.search = el("input", {type: "search", name: "q", placeholder: "指标、数字或原文 indicator, figure or text"});
    this.search.addEventListener("input", function () { self.state.q = self.search.value; self.changed(); });
    searchLabel.appendChild(this.search);
    form.appendChild(searchLabel);
    var reset = el("button", {type: "button", "class": "renshe-reset"}, "清除筛选 clear");
    reset.addEventListener("click", function () { self.state = {}; self.sync(); self.changed(); });
    form.appendChild(reset);
    this.root.appendChild(form);

    var bar = el("div", {"class": "renshe-explorer-bar"});
    this.count = el("span", {"class": "renshe-count", "aria-live": "polite"});
    this.chip = el("span", {"class": "renshe-chip"});
    this.download = el("button", {type: "button", "class": "renshe-download"}, "下载筛选结果 CSV · Download these rows (CSV)");
    this.download.addEventListener("click", function () { self.saveCsv(); });
    bar.appendChild(this.count);
    bar.appendChild(this.chip);
    bar.appendChild(this.download);
    this.root.appendChild(bar);
    // the source view: the cited line with its neighbours, the document, and each table cell's
    // table title, row, column and unit
    this.sourceView = el("section", {"class": "renshe-source-view", "aria-live": "polite"});
    this.sourceView.hidden = true;
    this.root.appendChild(this.sourceView);

    var wrap = el("div", {"class": "renshe-table-wrap"});
    this.table = el("table", {"class": "renshe-table renshe-explorer-table"});
    var head = el("tr");
    COLUMNS.forEach(function (column) {
      var th = el("th", {scope: "col", "data-key": column.key});
      var button = el("button", {type: "button", "class": "renshe-sort"}, column.label);
      button.addEventListener("click", function () {
        var same = self.state.sort === column.key;
        self.state.sort = column.key;
        self.state.order = same && self.state.order !== "desc" ? "desc" : "asc";
        self.changed();
      });
      th.appendChild(button);
      head.appendChild(th);
    });
    var thead = el("thead");
    thead.appendChild(head);
    this.table.appendChild(thead);
    this.body = el("tbody");
    this.table.appendChild(this.body);
    wrap.appendChild(this.table);
    this.root.appendChild(wrap);

    this.pager = el("div", {"class": "renshe-pager"});
    this.previous = el("button", {type: "button"}, "← 上一页 previous");
    this.next = el("button", {type: "button"}, "下一页 next →");
    this.pageLabel = el("span");
    this.previous.addEventListener("click", function () { self.page -= 1; self.update(); });
    this.next.addEventListener("click", function () { self.page += 1; self.update(); });
    this.pager.appendChild(this.previous);
    this.pager.appendChild(this.pageLabel);
    this.pager.appendChild(this.next);
    this.root.appendChild(this.pager);
    this.sync();
    this.update();
  };

  Explorer.prototype.sync = function () { // the controls show the state (after a hash change or clear)
    var state = this.state;
    FILTERS.forEach(function (filter) { this.selects[filter.key].value = state[filter.key] || ""; }, this);
    this.search.value = state.q || "";
  };

  Explorer.prototype.changed = function () {
    this.page = 0;
    writeHash(this.state);
    this.update();
  };

  Explorer.prototype.filtered = function () {
    var state = this.state, words = (state.q || "").toLowerCase().split(/\s+/).filter(Boolean);
    var rows = this.rows.filter(function (row) {
      if (state.region && row.region !== state.region) return false;
      if (state.indicator && row.indicator !== state.indicator) return false;
      if (state.doc && row.doc !== state.doc) return false;
      if (state.measure && row.measure !== state.measure) return false;
      if (state.period && row.period !== state.period) return false;
      if (state.source && row.source !== state.source) return false;
      for (var i = 0; i < words.length; i++) if (row.search.indexOf(words[i]) < 0) return false;
      return true;
    });
    var column = COLUMNS.filter(function (c) { return c.key === state.sort; })[0];
    if (column) {
      var key = column.sort || column.key, sign = state.order === "desc" ? -1 : 1;
      rows.sort(function (a, b) { return sign * compareKeys(a[key], b[key]) || a.index - b.index; });
    }
    return rows;
  };

  Explorer.prototype.update = function () {
    var rows = this.filtered();
    this.current = rows;
    var pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    this.page = Math.min(Math.max(this.page, 0), pages - 1);
    this.count.textContent = "显示 " + rows.length + " / " + this.rows.length + " 条观测值 · " + rows.length +
      " of " + this.rows.length + " observations";
    var chosen = this.state.source || "", cut = chosen.lastIndexOf(":");
    this.chip.textContent = chosen ? "来源行 source line " + cited(this.data, chosen.slice(0, cut), chosen.slice(cut + 1),
                                                               rows.length ? rows[0].page : 0) + " ✕" : "";
    this.chip.hidden = !this.state.source;
    var self = this;
    this.chip.onclick = function () { delete self.state.source; self.changed(); };
    this.download.disabled = rows.length === 0;
    Array.prototype.forEach.call(this.table.querySelectorAll("th"), function (th) {
      var key = th.getAttribute("data-key");
      th.setAttribute("aria-sort", key === self.state.sort ? (self.state.order === "desc" ? "descending" : "ascending") : "none");
    });
    var whole = rows.length <= FULL_LINES_UP_TO;
    var fragment = document.createDocumentFragment();
    rows.slice(this.page * PAGE_SIZE, (this.page + 1) * PAGE_SIZE).forEach(function (row) {
      var tr = el("tr");
      COLUMNS.forEach(function (column) {
        var text = String(row[column.key]);
        var td = el("td", {}, column.key === "sourceText" && !whole ? excerpt(text, row.figure) : text);
        if (column.key === "sourceText") { td.title = text; td.className = "renshe-long"; }
        if (column.title) td.title = String(row[column.title]);
        if (column.numeric || column.key === "period") td.className = "renshe-nowrap";
        if (column.numeric) td.setAttribute("data-value", String(row.value));
        tr.appendChild(td);
      });
      fragment.appendChild(tr);
    });
    this.body.textContent = "";
    if (!rows.length) {
      var empty = el("td", {colspan: String(COLUMNS.length), "class": "renshe-note"}, "没有符合条件的观测值。 No observation matches.");
      var tr = el("tr");
      tr.appendChild(empty);
      fragment.appendChild(tr);
    }
    this.body.appendChild(fragment);
    this.showSource(rows);
    this.pageLabel.textContent = " 第 " + (this.page + 1) + " / " + pages + " 页 · page " + (this.page + 1) + " of " + pages + " ";
    this.previous.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
    this.pager.hidden = pages === 1;
  };

  var NEIGHBOURS = 3; // lines shown on each side of the cited line

  Explorer.prototype.showSource = function (rows) {
    var view = this.sourceView, data = this.data, source = this.state.source;
    view.textContent = "";
    view.hidden = !source;
    if (!source) return;
    var cut = source.lastIndexOf(":"), doc = source.slice(0, cut), line = Number(source.slice(cut + 1));
    var title = (data.documents || {})[doc] || doc;
    view.appendChild(el("h3", {}, "原文 In the document: " + title));
    var file = (data.files || {})[doc];
    var meta = el("p", {"class": "renshe-note"});
    meta.appendChild(document.createTextNode("第 " + line + " 行 line " + line + " · "));
    if (file) {
      var page = rows.length && rows[0].page ? rows[0].page : 0;
      var pdf = (data.pdf || []).indexOf(doc) >= 0;
      var href = file + (pdf ? "#page=" + (page || 1) : "");
      meta.appendChild(el("a", {href: href}, pdf && page ? "原文件第 " + page + " 页 the file as published, page " + page
                                                      : "原文件 the file as published"));
    }
    view.appendChild(meta);
    var cells = rows.filter(function (row) { return row.context; });
    if (cells.length) {
      var table = el("table", {"class": "renshe-table renshe-cells"});
      var head = el("tr");
      ["表格 table", "行 row", "列 column", "单元格 cell as printed", "单位 unit", "数值 value"].forEach(function (label) {
        head.appendChild(el("th", {scope: "col"}, label));
      });
      var thead = el("thead");
      thead.appendChild(head);
      table.appendChild(thead);
      var body = el("tbody");
      cells.forEach(function (row) {
        var tr = el("tr");
        [row.context.table, row.context.row, row.context.column, row.context.cell, row.context.unit, row.display]
          .forEach(function (text) { tr.appendChild(el("td", {}, String(text || "—"))); });
        body.appendChild(tr);
      });
      table.appendChild(body);
      var wrap = el("div", {"class": "renshe-table-wrap"});
      wrap.appendChild(table);
      view.appendChild(wrap);
    }
    var lines = (window.RENSHE_LINES || {})[doc];
    var script = (data.lineScripts || {})[doc];
    var self = this;
    if (!lines && script && !this.loading) {
      this.loading = true;
      var tag = el("script", {src: script});
      tag.onload = function () { self.loading = false; if (self.state.source === source) self.showSource(rows); };
      tag.onerror = function () { self.loading = false; console.error("renshe explorer: cannot load " + script); };
      document.head.appendChild(tag);
      return;
    }
    if (!lines) return;
    var list = el("ol", {"class": "renshe-lines", start: String(Math.max(1, line - NEIGHBOURS))});
    for (var n = Math.max(1, line - NEIGHBOURS); n <= Math.min(lines.length, line + NEIGHBOURS); n++) {
      var item = el("li", n === line ? {"class": "renshe-cited"} : {}, String(lines[n - 1]).replace(/\t/g, " │ "));
      list.appendChild(item);
    }
    view.appendChild(list);
  };

  Explorer.prototype.saveCsv = function () {
    var blob = new Blob([csvText(this.data, this.current)], {type: "text/csv;charset=utf-8"});
    var link = el("a", {href: URL.createObjectURL(blob), download: "renshe-observations-filtered.csv"});
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  };

  function start() {
    var root = document.getElementById("renshe-explorer");
    if (!root) return;
    if (!window.RENSHE_OBSERVATIONS) {
      root.textContent = "观测值数据未能载入 the observations could not be loaded (assets/observations.js).";
      console.error("renshe explorer: window.RENSHE_OBSERVATIONS is missing");
      return;
    }
    window.rensheExplorer = new Explorer(root, window.RENSHE_OBSERVATIONS);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
