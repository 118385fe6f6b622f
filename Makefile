# 两条命令：make site（构建演示门户）与 make test（运行全部测试）。
# 两者都会自行创建 .venv 并安装所需依赖，适用于只装有 Python 3.11 的新机器。
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: site test serve check clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/portal build
	@echo "门户已生成于 site/ 。本地预览：$(BIN)/portal serve （或 python3 -m http.server -d site 8000）"

test: $(STAMP)
	$(BIN)/python -m pytest

serve: $(STAMP)
	$(BIN)/portal serve

check: $(STAMP)
	$(BIN)/portal check

bench: $(STAMP)
	$(BIN)/python bench/build_speed.py

clean:
	rm -rf site .portal
