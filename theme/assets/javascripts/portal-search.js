/* 站内搜索页：启动 Pagefind 界面（中文文字），读取页眉搜索框带来的 ?q=，可按发布日期排序。
   索引和脚本都在本站的 pagefind/ 目录下，不访问外部网络。 */
(function () {
  "use strict";
  var root = document.getElementById("portal-search");
  if (!root) return;
  if (typeof PagefindUI === "undefined") {
    root.textContent = "搜索索引尚未生成或无法加载（需要通过网站服务器访问本页）。";
    return;
  }
  var params = new URLSearchParams(window.location.search);
  var query = params.get("q") || "";
  var byDate = params.get("sort") === "date";

  var options = {
    element: "#portal-search",
    showImages: false,
    showSubResults: false,
    resetStyles: false,
    excerptLength: 60,
    autofocus: !query,
    translations: {
      placeholder: "输入关键词，搜索本站信息",
      clear_search: "清除",
      load_more: "加载更多结果",
      search_label: "站内搜索",
      filters_label: "筛选",
      zero_results: "没有找到与“[SEARCH_TERM]”相关的信息",
      many_results: "找到 [COUNT] 条与“[SEARCH_TERM]”相关的信息",
      one_result: "找到 [COUNT] 条与“[SEARCH_TERM]”相关的信息",
      alt_search: "没有找到与“[SEARCH_TERM]”相关的信息，显示与“[DIFFERENT_TERM]”相关的结果",
      search_suggestion: "没有找到与“[SEARCH_TERM]”相关的信息，请换一个关键词试试：",
      searching: "正在搜索“[SEARCH_TERM]”……"
    }
  };
  if (byDate) options.sort = { date: "desc" };

  // 信息较多的门户，索引按发布月份分片生成（最新的是 pagefind/，较早的 pagefind-1/、pagefind-2/ ……，
  // 构建时由新到旧写在 data-bundles 里）；其余分片用 mergeIndex 合并，一次检索覆盖全部信息。
  // 按发布日期排序时，Pagefind 给每片结果的分数是片内名次（最旧为 0），合并时按分数排列；
  // 给较新的分片乘以更大的权重（data-sort-base 大于最大一片的信息页数，逐片乘一次），
  // 各片结果就按日期先后衔接（每片最旧的一条分数为 0，排在全部结果末尾）。
  // 权重超出浮点数范围（分片极多）时不加权，各片结果按片内名次交错。
  var bundles = (root.getAttribute("data-bundles") || "").split(" ").filter(Boolean);
  var base = Number(root.getAttribute("data-sort-base")) || 1e6;
  var script = document.querySelector('script[src$="pagefind/pagefind-ui.js"]');
  if (script && bundles.length > 1) {
    var siteRoot = script.src.replace(/pagefind\/pagefind-ui\.js$/, "");
    var weight = function (i) {
      return byDate && (bundles.length - 1) * Math.log10(base) <= 300 ? Math.pow(base, bundles.length - 1 - i) : 1;
    };
    if (weight(0) !== 1) options.indexWeight = weight(0);
    options.mergeIndex = bundles.slice(1).map(function (dir, i) {
      return { bundlePath: new URL(dir, siteRoot).pathname, indexWeight: weight(i + 1) };
    });
  }
  var ui = new PagefindUI(options);

  // 排序切换：按相关度 | 按发布日期（重新打开本页，带上当前关键词）。
  var bar = document.createElement("p");
  bar.className = "portal-search-sort";
  [["", "按相关度"], ["date", "按发布日期"]].forEach(function (choice) {
    var link = document.createElement("a");
    link.href = "#";
    link.textContent = choice[1];
    if ((choice[0] === "date") === byDate) link.setAttribute("aria-current", "true");
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var input = root.querySelector("input");
      var next = new URLSearchParams();
      if (input && input.value) next.set("q", input.value);
      if (choice[0]) next.set("sort", choice[0]);
      window.location.search = next.toString();
    });
    bar.appendChild(link);
  });
  root.parentNode.insertBefore(bar, root);

  if (query) ui.triggerSearch(query);
})();
