/* 网页编辑器写出的文件与 portal new 一致（issue 13 §2）：
 * - 文件名按项目的短名规则（pipeline/new_item.py slug_for）：<发布日期>-<标题中的英文单词，至多 6 个>，
 *   标题没有英文单词（中文标题）时为 <日期>-item-<标题 SHA-1 的前 8 位>；日期取“发布日期”字段本身，不换算时区。
 *   Decap 的模板算不出哈希，所以保存前（preSave）算好放进临时字段 _slug、_year，由集合的 slug/path 模板取用；
 * - 写文件的格式 portal-frontmatter 与 Decap 的 YAML front matter 相同，只是不写这两个临时字段
 *   （条目契约不认识的键会被 pipeline.load 拒绝为 unknown-key）。日期等按文字读写，不转成时间对象。
 * 由 index.html 以 module 载入；它注册好格式后才启动 CMS（CMS_MANUAL_INIT），因为配置里用到这个格式。 */
import { YAML } from "./yaml/index.js";
import { slugFor } from "./portal-slug.mjs";
import { frontmatterFormat } from "./portal-frontmatter.mjs";

const CMS = window.CMS;
const TRANSIENT = ["_slug", "_year"];
function datePrefix(value) {
  const text = typeof value === "string" ? value.trim() : (value instanceof Date ? value.toISOString() : "");
  const m = text.match(/^(\d{4})-(\d{2})-(\d{2})/);
  if (m) { return `${m[1]}-${m[2]}-${m[3]}`; }
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

const format = frontmatterFormat(YAML, TRANSIENT);

CMS.registerCustomFormat("portal-frontmatter", "md", format);
CMS.registerEventListener({
  name: "preSave",
  handler: async ({ entry }) => {
    const data = entry.get("data");
    if (!entry.get("newRecord")) { return data; }  // an existing file keeps its name (its URL is permanent)
    const prefix = datePrefix(data.get("date"));
    const slug = await slugFor(String(data.get("title") || "").trim());
    return data.set("_slug", `${prefix}-${slug}`).set("_year", prefix.slice(0, 4));
  },
});
CMS.init();
