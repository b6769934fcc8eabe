// The knowledge-base side panel (知识库): search published articles (Chinese substrings and
// English words), read one, and answer the open order with it, citing it as the basis.

import { api } from "../shared/api.js";
import { el, setText } from "../shared/format.js";
import { t } from "../shared/i18n.js";
import { toast } from "../shared/shell.js";

const $ = (id) => document.getElementById(id);

/** The server's highlight (HTML-escaped text with <mark>) as DOM nodes, nothing else let in. */
export function highlighted(html) {
  const doc = new DOMParser().parseFromString(`<div>${html || ""}</div>`, "text/html");
  const out = [];
  for (const node of doc.body.firstChild.childNodes) {
    if (node.nodeName === "MARK") out.push(el("mark", {}, node.textContent));
    else out.push(document.createTextNode(node.textContent));
  }
  return out;
}

export class KbPanel {
  constructor({ onAnswer }) {
    this.onAnswer = onAnswer;
    this.article = null;
    this.lastQuery = null;
  }

  bind() {
    $("kb-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.search($("kb-q").value);
    });
    $("kb-back").addEventListener("click", () => this.showList());
    $("kb-use").addEventListener("click", () => {
      if (this.article) this.onAnswer(this.article);
    });
  }

  focus() {
    $("kb-q").focus();
    $("kb-q").select();
  }

  async search(query) {
    const q = query.trim();
    this.lastQuery = q;
    setText($("kb-status"), t("kb.searching"));
    let found;
    try {
      found = await api("GET", `/kb/articles?q=${encodeURIComponent(q)}&page_size=20`);
    } catch (error) {
      setText($("kb-status"), "");
      toast(error.message);
      return;
    }
    if (this.lastQuery !== q) return;
    this.showList();
    setText($("kb-status"), found.total ? t(found.total_capped ? "kb.found_many" : "kb.found", { n: found.total })
      : t("kb.none", { q }));
    $("kb-results").replaceChildren(...found.items.map((item) => el("li", { class: "kb-hit" },
      el("button", { type: "button", class: "kb-hit-title", dataset: { id: item.id }, onclick: () => this.read(item.id) },
        ...highlighted(item.highlight?.title || item.title)),
      el("p", { class: "kb-snippet" }, ...highlighted(item.highlight?.snippet || "")),
      item.category ? el("span", { class: "tag" }, item.category) : null)));
  }

  async read(id) {
    let article;
    try {
      article = await api("GET", `/kb/articles/${encodeURIComponent(id)}`);
    } catch (error) {
      toast(error.message);
      return;
    }
    this.article = article;
    setText($("kb-article-title"), article.title);
    setText($("kb-article-meta"), [article.category, t(`kb.basis.${article.basis}`), `v${article.version}`]
      .filter(Boolean).join(" · "));
    setText($("kb-article-body"), article.body);
    $("kb-results").hidden = true;
    $("kb-status").hidden = true;
    $("kb-article").hidden = false;
    $("kb-use").focus();
  }

  showList() {
    $("kb-article").hidden = true;
    $("kb-results").hidden = false;
    $("kb-status").hidden = false;
  }
}
