//! Self-contained HTML documents: escaping, tables, sections and the page around them.
//!
//! A report is one file that opens offline: the stylesheet is inline, charts are inline SVG
//! (see [`crate::chart`]) and there is no script. The same section markup is used by the
//! report file and by the local dashboard, so both show the same charts.

use crate::table::{format_float, Cell, Table};
use std::fmt::Write as _;

/// Escapes text for HTML and SVG content and attribute values (`& < > " '`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab/newline are not valid in HTML text.
            c if c.is_control() && c != '\n' && c != '\t' && c != '\r' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Tables up to this many rows are shown unfolded; longer ones start folded.
pub const OPEN_ROWS: usize = 25;

/// One piece of a report section.
#[derive(Debug, Clone)]
pub enum Block {
    /// An inline SVG chart (already rendered; trusted markup from [`crate::chart`]).
    Chart(String),
    /// A data table, rendered with readable numbers and exact values in `data-value`.
    Table(Table),
    /// Preformatted text such as a scenario file (escaped when rendered).
    Pre(String),
    /// A paragraph of plain text (escaped when rendered).
    Text(String),
    /// A highlighted remark: a missing input, a synthetic-data label (escaped when rendered).
    Warning(String),
}

/// A titled part of a report with an anchor id.
#[derive(Debug, Clone)]
pub struct Section {
    /// Anchor id (letters, digits and dashes); also `data-section` for tests.
    pub id: String,
    /// The heading.
    pub heading: String,
    /// The content, in order.
    pub blocks: Vec<Block>,
}

/// A whole report: a title, lines of context under it and the sections.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The page title.
    pub title: String,
    /// Lines under the title (inputs, currency, data label).
    pub meta: Vec<String>,
    /// The sections, in order; a table of contents links to them.
    pub sections: Vec<Section>,
}

/// The stylesheet shared by the report and the dashboard (inline: the file must open offline).
pub const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  margin: 0; color: #1a1a1a; background: #f5f6f8; line-height: 1.45; }
header.page { background: #12355b; color: #fff; padding: 20px 32px; }
header.page h1 { margin: 0 0 6px; font-size: 26px; }
header.page p { margin: 2px 0; opacity: .9; font-size: 14px; }
main { max-width: 1000px; margin: 0 auto; padding: 16px 24px 48px; }
nav.toc { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 10px 16px;
  margin: 16px 0; font-size: 14px; }
nav.toc a { margin-right: 16px; color: #12355b; }
section.part { background: #fff; border: 1px solid #dde1e6; border-radius: 6px;
  padding: 16px 20px; margin: 18px 0; }
section.part h2 { margin: 0 0 10px; font-size: 20px; color: #12355b; }
figure.chart { margin: 8px 0 14px; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
p.warning { background: #fff4e0; border-left: 4px solid #e69f00; padding: 8px 12px; }
details { margin: 8px 0; }
summary { cursor: pointer; color: #12355b; font-weight: 600; }
.table-wrap { overflow-x: auto; max-height: 480px; overflow-y: auto; }
table.data { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
table.data caption { text-align: left; font-weight: 600; padding: 4px 0; }
table.data th, table.data td { padding: 3px 10px; border-bottom: 1px solid #eceef1; }
table.data th { background: #f0f2f5; position: sticky; top: 0; text-align: left; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data p.note { font-size: 12px; color: #555; }
pre.text { background: #f7f7f9; border: 1px solid #e3e3e3; padding: 12px; overflow-x: auto;
  font-size: 13px; }
form.pick { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; }
form.pick label { display: flex; flex-direction: column; font-size: 13px; font-weight: 600; }
form.pick select, form.pick input { font-size: 14px; padding: 4px 6px; min-width: 160px; }
form.pick button { font-size: 14px; padding: 6px 16px; background: #12355b; color: #fff;
  border: 0; border-radius: 4px; }
@media print { body { background: #fff; } section.part { break-inside: avoid; border: 0; }
  .table-wrap { max-height: none; overflow: visible; } }
"#;

/// Renders a table: a caption from its title, readable numbers, exact values in `data-value`,
/// notes under it. Numeric columns are right-aligned.
pub fn html_table(t: &Table) -> String {
    let mut out = String::with_capacity(256 + t.rows.len() * t.columns.len() * 40);
    out.push_str("<div class=\"table-wrap\"><table class=\"data\">");
    if let Some(title) = &t.title {
        let _ = write!(out, "<caption>{}</caption>", escape(title));
    }
    out.push_str("<thead><tr>");
    for c in &t.columns {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(c));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &t.rows {
        out.push_str("<tr>");
        for (j, cell) in row.iter().enumerate() {
            let col = t.columns.get(j).map(String::as_str).unwrap_or("");
            match cell {
                Cell::Text(s) => {
                    let _ = write!(out, "<td data-col=\"{}\">{}</td>", escape(col), escape(s));
                }
                Cell::Int(i) => {
                    let _ = write!(
                        out,
                        "<td class=\"num\" data-col=\"{}\" data-value=\"{i}\">{i}</td>",
                        escape(col)
                    );
                }
                Cell::Float(f) => {
                    let _ = write!(
                        out,
                        "<td class=\"num\" data-col=\"{}\" data-value=\"{f}\">{}</td>",
                        escape(col),
                        escape(&format_float(*f))
                    );
                }
                Cell::Null => {
                    let _ = write!(out, "<td data-col=\"{}\"></td>", escape(col));
                }
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    for n in &t.notes {
        let _ = write!(out, "<p class=\"note\">{}</p>", escape(n));
    }
    out.push_str("</div>");
    out
}

/// Renders one section (used by the report and by the dashboard).
pub fn render_section(s: &Section) -> String {
    let mut out = String::new();
    let id = anchor(&s.id);
    let _ = write!(
        out,
        "<section class=\"part\" id=\"{id}\" data-section=\"{id}\"><h2>{}</h2>",
        escape(&s.heading)
    );
    for b in &s.blocks {
        match b {
            Block::Chart(svg) => {
                let _ = write!(out, "<figure class=\"chart\">{svg}</figure>");
            }
            Block::Table(t) => {
                let summary = match &t.title {
                    Some(title) => format!("Data: {title} ({} rows)", t.rows.len()),
                    None => format!("Data ({} rows)", t.rows.len()),
                };
                // Short tables open; long ones folded so the charts stay close together.
                let _ = write!(
                    out,
                    "<details{}><summary>{}</summary>{}</details>",
                    if t.rows.len() <= OPEN_ROWS {
                        " open"
                    } else {
                        ""
                    },
                    escape(&summary),
                    html_table(t)
                );
            }
            Block::Pre(text) => {
                let _ = write!(out, "<pre class=\"text\">{}</pre>", escape(text));
            }
            Block::Text(text) => {
                let _ = write!(out, "<p>{}</p>", escape(text));
            }
            Block::Warning(text) => {
                let _ = write!(out, "<p class=\"warning\">{}</p>", escape(text));
            }
        }
    }
    out.push_str("</section>");
    out
}

/// Keeps letters, digits, `-` and `_` so the id is a safe anchor and attribute.
fn anchor(id: &str) -> String {
    let a: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if a.is_empty() {
        "section".into()
    } else {
        a
    }
}

/// Opens a page: doctype, inline style, a header with the title and meta lines.
pub fn page_start(title: &str, meta: &[String]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"balanza {}\">\
         <title>{}</title><style>{STYLE}</style></head><body>\
         <header class=\"page\"><h1>{}</h1>",
        env!("CARGO_PKG_VERSION"),
        escape(title),
        escape(title)
    );
    for m in meta {
        let _ = write!(out, "<p class=\"meta\">{}</p>", escape(m));
    }
    out.push_str("</header><main>");
    out
}

/// Closes a page opened by [`page_start`], with a footer line (escaped).
pub fn page_end(footer: &str) -> String {
    format!(
        "<footer><p style=\"font-size:12px;color:#666\">{}</p></footer></main></body></html>\n",
        escape(footer)
    )
}

/// The report's footer: how to read it and that it is self-contained.
pub const REPORT_FOOTER: &str = "Made with balanza. Charts are inline SVG: hover a bar for its \
     exact value. This file is self-contained and needs no network to open.";

impl Report {
    /// The whole HTML document: header, table of contents, sections.
    pub fn to_html(&self) -> String {
        let mut out = page_start(&self.title, &self.meta);
        if self.sections.len() > 1 {
            out.push_str("<nav class=\"toc\">Contents: ");
            for s in &self.sections {
                let _ = write!(
                    out,
                    "<a href=\"#{}\">{}</a>",
                    anchor(&s.id),
                    escape(&s.heading)
                );
            }
            out.push_str("</nav>");
        }
        if self.sections.is_empty() {
            out.push_str("<p class=\"warning\">No results were given to this report.</p>");
        }
        for s in &self.sections {
            out.push_str(&render_section(s));
        }
        out.push_str(&page_end(REPORT_FOOTER));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(escape("a\u{0}b"), "a\u{FFFD}b");
    }

    #[test]
    fn report_has_no_raw_user_text_and_keeps_exact_values() {
        let mut t = Table::new(["partner", "balance"]).with_title("By <partner>");
        t.push(vec!["<b>".into(), 1234.5678.into()]);
        t.note("note & more");
        let r = Report {
            title: "T<1>".into(),
            meta: vec!["m\"".into()],
            sections: vec![
                Section {
                    id: "bal ance\"".into(),
                    heading: "H&".into(),
                    blocks: vec![
                        Block::Table(t),
                        Block::Pre("[scenario]\nname = \"<x>\"".into()),
                        Block::Warning("w<".into()),
                    ],
                },
                Section {
                    id: "second".into(),
                    heading: "S".into(),
                    blocks: vec![Block::Text("p>".into())],
                },
            ],
        };
        let html = r.to_html();
        assert!(!html.contains("<b>") && !html.contains("<x>") && !html.contains("<1>"));
        assert!(html.contains("data-value=\"1234.5678\">1,235<"));
        assert!(html.contains("id=\"balance\""));
        assert!(html.contains("href=\"#second\""));
        // Nothing to fetch: no scripts, no external sources or links.
        assert!(
            !html.contains("<script") && !html.contains("src=") && !html.contains("href=\"http")
        );
    }
}
