/* The editor's file format: YAML front matter between --- lines, then the Markdown body, as
 * pipeline.load reads it.  Values stay text (YAML 1.2 core schema: a date is a string, as the
 * pipeline's loader keeps it); keys in the editor's field order, then any others the file had
 * (adopted, changes, validity … are kept); ``transient`` keys are never written.
 * tests/test_cms.py round-trips every demo item through it. */
export function frontmatterFormat(YAML, transient = []) {
  return {
    fromFile(content) {
      const text = content.replace(/^\uFEFF/, "");
      const m = text.match(/^---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/);
      if (!m) { return { body: text }; }
      const meta = m[1] ? YAML.parse(m[1]) : {};
      const fields = meta && typeof meta === "object" && !Array.isArray(meta) ? meta : {};
      return Object.assign({}, fields, { body: text.slice(m[0].length).replace(/^\r?\n/, "") });
    },
    toFile(data, sortedKeys = []) {
      const { body = "", ...meta } = data;
      transient.forEach((key) => { delete meta[key]; });
      const ordered = {};
      sortedKeys.concat(Object.keys(meta)).forEach((key) => {
        if (key in meta && !(key in ordered) && meta[key] !== undefined) { ordered[key] = meta[key]; }
      });
      const head = Object.keys(ordered).length ? YAML.stringify(ordered) : "";
      return `---\n${head}---\n${body || ""}\n`;
    },
  };
}
