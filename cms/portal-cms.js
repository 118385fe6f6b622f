/* 网页编辑器的预览（issue 13 §3）：在编辑器的预览栏里显示 portal check 对本条信息的检查结果。
 * 编辑时（停顿 0.6 秒后）把当前内容发给 portal serve --cms 的 /admin/check：
 *   draft — 当前未保存内容的检查结果；saved — 上次保存后预览构建的结果（含与其他条目的查重）。
 * 由 portal serve --cms 提供；只用 Decap CMS 自带的 window.CMS、window.h、window.createClass。 */
(function () {
  "use strict";
  var CMS = window.CMS, h = window.h, createClass = window.createClass;
  if (!CMS || !h || !createClass) { return; }

  var COLORS = { error: "#b3261e", warning: "#8a5a00", declared: "#555" };

  function label(f) {
    if (f.severity !== "error") { return "警告"; }
    return (f.rule === "classified" || f.rule === "not-public") ? "不发布" : "错误";
  }

  function findingList(title, findings, testid) {
    if (!findings) { return null; }
    var items = findings.map(function (f, n) {
      var kind = label(f);
      var color = kind === "错误" ? COLORS.error : (kind === "警告" ? COLORS.warning : COLORS.declared);
      return h("li", { key: n, "data-rule": f.rule, style: { color: color, margin: "0.2em 0" } },
        kind + " [" + f.rule + "] " + f.message + (f.line ? "（第 " + f.line + " 行）" : ""));
    });
    return h("section", { "data-testid": testid, style: { margin: "0.4em 0" } },
      h("strong", {}, title),
      findings.length ? h("ul", { style: { margin: "0.2em 0", paddingLeft: "1.4em" } }, items)
                      : h("p", { style: { margin: "0.2em 0", color: "#1b6e20" } }, "portal check 没有发现问题"));
  }

  var Preview = createClass({
    getInitialState: function () { return { result: null, failed: "" }; },
    componentDidMount: function () {
      var self = this;
      this.schedule();
      this.poller = setInterval(function () { self.poll(); }, 2500);  // a save rebuilds the preview: follow it
    },
    componentDidUpdate: function (prev) { if (prev.entry !== this.props.entry) { this.schedule(); } },
    componentWillUnmount: function () { clearTimeout(this.timer); clearInterval(this.poller); this.gone = true; },
    poll: function () {
      var self = this, path = this.props.entry.get("path"), r = this.state.result;
      if (!path || !r || r.offline || this.polling) { return; }
      this.polling = true;
      fetch("status", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ path: path }) })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (status) {
          self.polling = false;
          if (!status || self.gone || !self.state.result) { return; }
          self.setState({ result: Object.assign({}, self.state.result, {
            saved: status.saved, published: status.published, build: status.build, pending: status.pending }) });
        })
        .catch(function () { self.polling = false; });
    },
    schedule: function () {
      var self = this;
      clearTimeout(this.timer);
      this.timer = setTimeout(function () { self.check(); }, 600);
    },
    check: function () {
      var self = this, entry = this.props.entry, seq = (this.seq = (this.seq || 0) + 1);
      var request = {
        collection: entry.get("collection"), path: entry.get("path") || null, slug: entry.get("slug") || null,
        data: entry.get("data").toJS()
      };
      fetch("check", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request) })
        .then(function (r) {
          if (r.status === 404 || r.status === 405) { return { offline: true }; }  // the editor on a static server: no portal serve
          if (!r.ok) { throw new Error("HTTP " + r.status); }
          return r.json();
        })
        .then(function (result) { if (!self.gone && seq === self.seq) { self.setState({ result: result, failed: "" }); } })
        .catch(function (e) { if (!self.gone && seq === self.seq) { self.setState({ failed: String(e) }); } });
    },
    render: function () {
      var entry = this.props.entry, r = this.state.result;
      var panel;
      if (this.state.failed) {
        panel = h("p", { style: { color: COLORS.error } }, "无法检查（portal serve --cms 是否在运行？）：" + this.state.failed);
      } else if (!r) {
        panel = h("p", {}, "正在运行 portal check …");
      } else if (r.offline) {
        panel = h("p", {}, "这里没有运行 portal serve --cms，不能即时检查；提交后，合并请求上的 CI 会运行 portal check。"
                           + "本机预览检查：make serve-cms。");
      } else if (r.error) {
        panel = h("p", { style: { color: COLORS.error } }, r.error);
      } else {
        panel = h("div", {},
          findingList("当前内容（未保存）的检查结果", r.draft, "cms-findings-draft"),
          r.pending ? h("p", { "data-testid": "cms-pending" }, "已保存，预览正在重建，稍后显示保存后的检查结果 …") : null,
          r.saved === null || r.saved === undefined ? null : findingList("已保存的文件（上次预览构建）", r.saved, "cms-findings-saved"),
          r.published === null || r.published === undefined ? null :
            h("p", { "data-testid": "cms-published" }, r.published ? "已保存的版本会在网站上发布" : "已保存的版本不会发布（见上面的问题）"),
          r.build ? h("p", { style: { color: COLORS.error } }, r.build) : null);
      }
      return h("div", { style: { fontFamily: "sans-serif", padding: "0 1em" } },
        h("aside", { "data-testid": "cms-findings", style: { border: "1px solid #ccc", borderRadius: "4px", padding: "0.4em 0.8em",
                                                             background: "#fafafa", margin: "0.8em 0" } },
          h("div", { style: { fontSize: "90%", color: "#555" } }, "portal check · " + (r && r.path ? r.path : "")), panel),
        h("h1", {}, entry.getIn(["data", "title"]) || ""),
        h("div", {}, this.props.widgetFor("body")));
    }
  });

  (window.PORTAL_COLLECTIONS || []).forEach(function (name) { CMS.registerPreviewTemplate(name, Preview); });
})();
