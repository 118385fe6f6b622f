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

/* 适老化 / 无障碍工具条（partials/a11y-toolbar.html）：字号 大/中/小、高对比度、行距加大、长者模式
   （大字号 + 行距加大）、恢复默认、打印本页。设置写在 <html data-portal-font|contrast|spacing> 上，
   并存进本浏览器的 localStorage，下一页由 main.html 头部的小脚本在绘制前取回。
   按钮都是真正的 <button>：Tab 可达，回车和空格都能操作，aria-pressed / aria-expanded 报告状态。 */
(function () {
  var root = document.documentElement;
  var DEFAULTS = { font: "m", contrast: "normal", spacing: "normal" };

  function get(name) {
    var value = root.getAttribute("data-portal-" + name);
    if (value) return value;
    if (name === "contrast" && window.matchMedia && window.matchMedia("(prefers-contrast: more)").matches) return "high";
    return DEFAULTS[name];
  }

  function set(name, value) {
    root.setAttribute("data-portal-" + name, value);
    try {
      localStorage.setItem("portal-a11y-" + name, value);
    } catch (e) { /* 隐私模式等：本页照样生效，只是不保存 */ }
  }

  function elder() {
    return get("font") === "l" && get("spacing") === "wide";
  }

  function sync(bar) {
    bar.querySelectorAll("[data-portal-set]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(get(button.dataset.portalSet) === button.dataset.portalValue));
    });
    bar.querySelectorAll("[data-portal-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(get(button.dataset.portalToggle) === button.dataset.portalValue));
    });
    bar.querySelectorAll("[data-portal-elder]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(elder()));
    });
  }

  function setup() {
    var bar = document.getElementById("portal-a11y");
    if (!bar || bar.dataset.portalReady) return;
    bar.dataset.portalReady = "1";
    var panel = document.getElementById("portal-a11y-panel");
    var opener = bar.querySelector("[data-portal-panel-toggle]");

    function open(show) {
      panel.hidden = !show;
      opener.setAttribute("aria-expanded", String(show));
    }

    bar.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button || !bar.contains(button)) return;
      var data = button.dataset;
      if ("portalPanelToggle" in data) {
        open(panel.hidden);
      } else if (data.portalSet) {
        set(data.portalSet, data.portalValue);
      } else if (data.portalToggle) {
        set(data.portalToggle, get(data.portalToggle) === data.portalValue ? "normal" : data.portalValue);
      } else if ("portalElder" in data) {
        var on = !elder();
        set("font", on ? "l" : "m");
        set("spacing", on ? "wide" : "normal");
      } else if ("portalReset" in data) {
        Object.keys(DEFAULTS).forEach(function (name) {
          root.removeAttribute("data-portal-" + name);
          try { localStorage.removeItem("portal-a11y-" + name); } catch (e) { /* 同上 */ }
        });
      } else if ("portalPrint" in data) {
        window.print();
      }
      sync(bar);
    });
    // Esc 收起设置面板，焦点回到“无障碍”按钮
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        open(false);
        opener.focus();
      }
    });
    sync(bar);
    bar.hidden = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
