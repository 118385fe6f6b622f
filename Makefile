# 两条命令：make site（构建演示门户）与 make test（运行全部测试）。
# 两者都会自行创建 .venv 并安装所需依赖，适用于只装有 Python 3.11 的新机器。
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: site test lint golden serve check clean bench browser-deps cms-deps serve-cms

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/portal build
	@echo "门户已生成于 site/ 。本地预览：$(BIN)/portal serve （或 python3 -m http.server -d site 8000）"

test: $(STAMP) browser-deps cms-deps lint
	$(BIN)/python -m pytest

# 代码检查与格式（配置在 pyproject.toml 的 [tool.ruff]）；ruff format pipeline tests bench 自动改好格式。
lint: $(STAMP)
	$(BIN)/ruff check pipeline tests bench
	$(BIN)/ruff format --check pipeline tests bench

# 金标准测试（tests/test_golden.py）的期望输出：有意改变了网站输出之后运行，重建 tests/golden/content 的小网站并
# 改写 tests/golden/expected/，再在提交中审阅其差异（不比较的文件及原因见 tests/golden_site.py 的 EXCLUDED）。
golden: $(STAMP)
	$(BIN)/python tests/golden_site.py

# 浏览器测试（tests/test_browser.py）所需：Debian 的 chromium 与中文字体、java（Nu Html Checker），
# root 时用 apt 安装，否则只提示（浏览器测试随之跳过并说明原因）；从不下载 Playwright 自带的浏览器。
# 再把 tests/node/ 的 axe-core 与 vnu-jar 按 package-lock.json 装好（不运行安装脚本：vnu.jar 已在包内）。
NODE_STAMP := tests/node/node_modules/.installed
browser-deps: $(NODE_STAMP)
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || missing="$$missing fonts-noto-cjk"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "安装浏览器测试所需的软件包：$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "提示：缺少$$missing，浏览器测试将跳过。请以 root 运行：apt-get install -y$$missing"; fi

$(NODE_STAMP): tests/node/package.json tests/node/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix tests/node --ignore-scripts --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else echo "提示：没有 npm，无障碍与 HTML 规范检查将跳过（apt-get install -y nodejs npm）"; fi

# 网页编辑器（Decap CMS 与本地后端 decap-server）：按 cms/package-lock.json 从 npm 安装到 cms/node_modules，
# portal serve --cms 从这里提供 /admin/（不用 CDN，不进 site/）。不运行安装脚本。
CMS_STAMP := cms/node_modules/.installed
cms-deps: $(CMS_STAMP)

$(CMS_STAMP): cms/package.json cms/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix cms --ignore-scripts --no-audit --no-fund --loglevel=error && touch $(CMS_STAMP); \
	else echo "提示：没有 npm，网页编辑器（portal serve --cms）与其浏览器测试将跳过（apt-get install -y nodejs npm）"; fi

serve: $(STAMP)
	$(BIN)/portal serve

serve-cms: $(STAMP) cms-deps
	$(BIN)/portal serve --cms

check: $(STAMP)
	$(BIN)/portal check

bench: $(STAMP)
	$(BIN)/python bench/build_speed.py

clean:
	rm -rf site .portal
