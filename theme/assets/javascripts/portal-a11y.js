/* 无障碍：宽表格（统计表等）在页面里左右滚动时，让键盘用户也能把焦点移到滚动区域并滚动它
   （WCAG 2.1.1，axe 规则 scrollable-region-focusable）。Material 把表格包在
   .md-typeset__scrollwrap 里；只给确实溢出的那些加 tabindex、role 和说明。 */
(function () {
  function mark() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.tabIndex = 0;
        wrap.setAttribute("role", "region");
        var caption = wrap.querySelector("caption");
        wrap.setAttribute("aria-label", (caption ? caption.textContent.trim() + "：" : "") + "表格，可左右滚动");
      }
    });
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(mark);
  } else {
    document.addEventListener("DOMContentLoaded", mark);
  }
  window.addEventListener("resize", mark);
})();
