use proptest::prelude::*;
use secguard_eval::EvalError;
use secguard_eval::report::{Report, Section, render_html, render_markdown, write_report};

fn s(x: &str) -> String {
    x.to_string()
}

fn representative() -> Report {
    Report {
        title: s("Generation: secure rate by mode"),
        subtitle: s(
            "secguard eval generate --dataset llmseceval --model small\n2024-01-02, 150 prompts",
        ),
        sections: vec![
            Section::Text {
                title: s("Summary"),
                body: s(
                    "RCI with retrieval is the most secure mode.\n\nBandit did not run on 2 samples.",
                ),
            },
            Section::Table {
                title: s("Calls and tokens per sample"),
                headers: vec![s("Mode"), s("LLM calls"), s("Tokens"), s("Secure rate")],
                rows: vec![
                    vec![s("baseline"), s("1.0"), s("512"), s("61.3%")],
                    vec![s("security prefix"), s("1.0"), s("540"), s("68.0%")],
                    vec![s("RCI-2"), s("5.0"), s("2710"), s("74.7%")],
                ],
            },
            Section::BarChart {
                title: s("Secure rate per analyzer"),
                unit: s("%"),
                groups: vec![
                    s("baseline"),
                    s("security prefix"),
                    s("RCI-2"),
                    s("RCI+RAG"),
                ],
                series: vec![s("secguard"), s("bandit"), s("semgrep")],
                values: vec![
                    vec![Some(61.3), Some(70.0), Some(66.7)],
                    vec![Some(68.0), Some(75.3), None],
                    vec![Some(74.7), Some(80.0), Some(78.0)],
                    vec![Some(81.3), Some(86.7), Some(100.0)],
                ],
            },
            Section::Confusion {
                title: s("secguard versus human labels"),
                tp: 40,
                fp: 6,
                tn: 90,
                fn_: 14,
            },
            Section::Heatmap {
                title: s("Insecure rate per CWE and mode"),
                rows: vec![s("CWE-78"), s("CWE-79"), s("CWE-89")],
                columns: vec![s("baseline"), s("RCI-2"), s("RCI+RAG")],
                values: vec![
                    vec![Some(50.0), Some(25.0), Some(0.0)],
                    vec![Some(80.0), None, Some(40.0)],
                    vec![Some(100.0), Some(60.0), Some(12.5)],
                ],
                min: 0.0,
                max: 100.0,
                unit: s("%"),
            },
        ],
    }
}

/// Checks that every element is closed in order (void and self-closed
/// elements aside), that no `<` or `&` appears outside a tag or entity, and
/// that the document is one `<html>` element.
fn check_well_formed(html: &str) -> Result<(), String> {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    ];
    const ENTITIES: &[&str] = &["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"];
    let b = html.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'&' => {
                if !ENTITIES.iter().any(|e| html[i..].starts_with(e)) {
                    return Err(format!(
                        "bare & at {i}: {:?}",
                        &html[i..(i + 20).min(html.len())]
                    ));
                }
                i += 1;
            }
            b'>' => return Err(format!("bare > at {i}")),
            b'<' => {
                let rest = &html[i..];
                if rest.starts_with("<!DOCTYPE html>") {
                    i += "<!DOCTYPE html>".len();
                    continue;
                }
                if let Some(name) = rest.strip_prefix("</") {
                    let end = name.find('>').ok_or("unterminated end tag")?;
                    let name = &name[..end];
                    match stack.pop() {
                        Some(open) if open == name => {}
                        other => return Err(format!("</{name}> at {i} closes {other:?}")),
                    }
                    i += 2 + end + 1;
                    continue;
                }
                let name_len = rest[1..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .ok_or("unterminated tag")?;
                if name_len == 0 {
                    return Err(format!("bare < at {i}"));
                }
                let name = rest[1..1 + name_len].to_string();
                // Attributes: quoted values may hold anything but their quote.
                let mut j = i + 1 + name_len;
                let mut quote: Option<u8> = None;
                loop {
                    let c = *b.get(j).ok_or("unterminated tag")?;
                    match quote {
                        Some(q) if c == q => quote = None,
                        Some(_) if c == b'<' => return Err(format!("< inside attribute at {j}")),
                        Some(_) => {}
                        None if c == b'"' || c == b'\'' => quote = Some(c),
                        None if c == b'<' => return Err(format!("< inside tag at {j}")),
                        None if c == b'>' => break,
                        None => {}
                    }
                    j += 1;
                }
                let self_closed = b[j - 1] == b'/';
                if stack.is_empty() {
                    roots += 1;
                }
                if name == "style" || name == "script" {
                    let close = format!("</{name}>");
                    let end = html[j..].find(&close).ok_or("unclosed raw text element")?;
                    i = j + end + close.len();
                    continue;
                }
                if !self_closed && !VOID.contains(&name.as_str()) {
                    stack.push(name);
                }
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed: {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(())
}

/// Checks that every line of each Markdown table has the same number of
/// cell separators: pipes not escaped by an odd run of backslashes.
fn check_markdown_tables(md: &str) -> Result<(), String> {
    let separators = |line: &str| {
        let mut n = 0;
        let mut backslashes = 0;
        for c in line.chars() {
            if c == '|' && backslashes % 2 == 0 {
                n += 1;
            }
            backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        }
        n
    };
    let mut expected = None;
    for line in md.lines() {
        if line.starts_with('|') {
            let n = separators(line);
            match expected {
                None => expected = Some(n),
                Some(e) if e != n => return Err(format!("{n} separators, expected {e}: {line}")),
                Some(_) => {}
            }
        } else {
            expected = None;
        }
    }
    Ok(())
}

/// The value of attribute `name` in the tag text `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// Every `<rect class="bar" ...>` opening tag.
fn bar_rects(html: &str) -> Vec<&str> {
    html.match_indices("<rect class=\"bar\"")
        .map(|(i, _)| {
            let end = html[i..].find('>').unwrap();
            &html[i..i + end]
        })
        .collect()
}

fn bar_chart(
    unit: &str,
    groups: &[&str],
    series: &[&str],
    values: Vec<Vec<Option<f64>>>,
) -> Report {
    Report {
        title: s("t"),
        subtitle: String::new(),
        sections: vec![Section::BarChart {
            title: s("bars"),
            unit: s(unit),
            groups: groups.iter().map(|g| s(g)).collect(),
            series: series.iter().map(|x| s(x)).collect(),
            values,
        }],
    }
}

#[test]
fn markdown_of_representative_report() {
    insta::assert_snapshot!(render_markdown(&representative()));
}

#[test]
fn html_of_representative_report() {
    insta::assert_snapshot!(render_html(&representative()));
}

#[test]
fn representative_report_is_valid_and_well_formed() {
    let report = representative();
    report.validate().unwrap();
    let html = render_html(&report);
    check_well_formed(&html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    for kind in ["bar_chart", "confusion", "heatmap"] {
        assert_eq!(
            html.matches(&format!("<figure data-kind=\"{kind}\">"))
                .count(),
            1,
            "{kind}"
        );
    }
    assert_eq!(html.matches("<svg ").count(), 3);
    assert_eq!(html.matches("role=\"img\"").count(), 3);
    // Self-contained: nothing fetched, nothing run.
    for banned in [
        "<script", "src=", "href=", "url(", "@import", "http://", "https://",
    ] {
        let hits: Vec<_> = html
            .match_indices(banned)
            .filter(|(i, _)| !html[*i..].starts_with("http://www.w3.org/2000/svg"))
            .collect();
        assert!(hits.is_empty(), "{banned} in the HTML");
    }
    let md = render_markdown(&report);
    assert_eq!(md.matches("chart in report.html").count(), 3);
}

#[test]
fn rendering_is_deterministic() {
    let r = representative();
    assert_eq!(render_html(&r), render_html(&r));
    assert_eq!(render_markdown(&r), render_markdown(&r));
}

#[test]
fn hostile_strings_are_escaped() {
    let evil = "<script>alert('x')</script>";
    let attr_break = "\"><img src=x onerror=alert(1)>";
    let report = Report {
        title: s(evil),
        subtitle: s(attr_break),
        sections: vec![
            Section::Text {
                title: s(evil),
                body: s("a & b </p><p>\u{0}"),
            },
            Section::Table {
                title: s(attr_break),
                headers: vec![s(evil), s("x|y")],
                rows: vec![vec![s(attr_break), s("</td></tr></table>")]],
            },
            Section::BarChart {
                title: s("</title></svg><script>1</script>"),
                unit: s("<u>"),
                groups: vec![s(evil), s(attr_break)],
                series: vec![s("</text>"), s("a\"b")],
                values: vec![vec![Some(1.0), None], vec![Some(f64::NAN), Some(2.0)]],
            },
            Section::Confusion {
                title: s(evil),
                tp: 1,
                fp: 2,
                tn: 3,
                fn_: 4,
            },
            Section::Heatmap {
                title: s(evil),
                rows: vec![s(attr_break)],
                columns: vec![s("</rect>")],
                values: vec![vec![Some(0.5)]],
                min: 0.0,
                max: 1.0,
                unit: s("<b>"),
            },
        ],
    };
    let html = render_html(&report);
    check_well_formed(&html).unwrap();
    assert!(!html.contains("<script"));
    assert!(!html.contains("<img"));
    assert!(!html.contains("<u>"));
    assert!(!html.contains("</td></tr></table>"));
    assert!(!html.contains('\u{0}'));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));

    let md = render_markdown(&report);
    // Every < in the Markdown is backslash-escaped.
    assert!(
        md.match_indices('<').all(|(i, _)| md[..i].ends_with('\\')),
        "{md}"
    );
    assert!(md.contains("# \\<script\\>alert('x')\\</script\\>\n"));
    assert!(md.contains("x\\|y"));
    // The table row keeps its two cells: no unescaped pipe inside cells.
    let row = md
        .lines()
        .find(|l| l.starts_with("| ") && l.contains("onerror"))
        .unwrap();
    assert_eq!(row.replace("\\|", "").matches('|').count(), 3, "{row}");
}

#[test]
fn markdown_keeps_titles_and_cells_on_one_line() {
    let report = Report {
        title: s("two\nlines"),
        subtitle: s("- not a list\n1. not a list either\n\nsecond paragraph"),
        sections: vec![Section::Table {
            title: s("a\n## b"),
            headers: vec![s("h")],
            rows: vec![vec![s("cell\nwith newline")]],
        }],
    };
    let md = render_markdown(&report);
    assert!(
        md.starts_with(
            "# two lines\n\n\\- not a list\\\n1\\. not a list either\n\nsecond paragraph\n"
        ),
        "{md}"
    );
    assert!(md.contains("## a \\#\\# b\n"), "{md}");
    assert!(md.contains("| cell with newline |"), "{md}");
}

#[test]
fn bar_heights_are_proportional_to_values() {
    let report = bar_chart("%", &["g"], &["a", "b"], vec![vec![Some(25.0), Some(50.0)]]);
    let html = render_html(&report);
    let rects = bar_rects(&html);
    assert_eq!(rects.len(), 2);
    let h: Vec<f64> = rects
        .iter()
        .map(|r| attr(r, "height").unwrap().parse().unwrap())
        .collect();
    let y: Vec<f64> = rects
        .iter()
        .map(|r| attr(r, "y").unwrap().parse().unwrap())
        .collect();
    assert_eq!(attr(rects[0], "data-value"), Some("25.0%"));
    assert!((h[1] / h[0] - 2.0).abs() < 1e-3, "{h:?}");
    // Same baseline.
    assert!((y[0] + h[0] - (y[1] + h[1])).abs() < 1e-6);
    // Percentages use a 0-100 axis: the 100 tick is at 4x the 25% bar.
    assert!(html.contains(">100</text>"));
    let zero_line = html.find("<line class=\"zero\"").unwrap();
    let zero_y: f64 = attr(&html[zero_line..], "y1").unwrap().parse().unwrap();
    assert!((zero_y - (y[0] + h[0])).abs() < 1e-6);
    // 240 px of plot for 0-100.
    assert!((h[0] - 60.0).abs() < 1e-6, "{h:?}");
}

#[test]
fn axis_goes_to_a_nice_maximum_for_other_units() {
    let report = bar_chart("s", &["g"], &["a", "b"], vec![vec![Some(3.2), Some(7.3)]]);
    let html = render_html(&report);
    // 7.3 s rounds the axis up to 8 s, in steps of 2.
    for tick in ["0", "2", "4", "6", "8"] {
        assert!(html.contains(&format!(">{tick}</text>")), "tick {tick}");
    }
    assert!(!html.contains(">10</text>"));
    assert!(html.contains("data-value=\"7.30 s\""));
    let h: Vec<f64> = bar_rects(&html)
        .iter()
        .map(|r| attr(r, "height").unwrap().parse().unwrap())
        .collect();
    assert!((h[1] - 240.0 * 7.3 / 8.0).abs() < 0.01, "{h:?}");
}

#[test]
fn negative_values_hang_below_zero() {
    // Youden's J can be negative.
    let report = bar_chart(
        "",
        &["CWE-78", "CWE-89"],
        &["secguard"],
        vec![vec![Some(-0.2)], vec![Some(0.6)]],
    );
    let html = render_html(&report);
    check_well_formed(&html).unwrap();
    let rects = bar_rects(&html);
    let (y, h): (Vec<f64>, Vec<f64>) = rects
        .iter()
        .map(|r| {
            (
                attr(r, "y").unwrap().parse::<f64>().unwrap(),
                attr(r, "height").unwrap().parse::<f64>().unwrap(),
            )
        })
        .unzip();
    let zero_line = html.find("<line class=\"zero\"").unwrap();
    let zero_y: f64 = attr(&html[zero_line..], "y1").unwrap().parse().unwrap();
    assert!((y[0] - zero_y).abs() < 1e-6, "negative bar starts at zero");
    assert!(
        (y[1] + h[1] - zero_y).abs() < 1e-6,
        "positive bar ends at zero"
    );
    assert!((h[1] / h[0] - 3.0).abs() < 1e-3, "{h:?}");
    assert!(html.contains(">-0.2</text>"), "axis reaches below zero");
    assert!(html.contains("data-value=\"-0.200\""));
}

#[test]
fn missing_and_non_finite_values_are_n_a() {
    let report = Report {
        title: s("t"),
        subtitle: String::new(),
        sections: vec![
            Section::BarChart {
                title: s("bars"),
                unit: s("%"),
                groups: vec![s("g")],
                series: vec![s("a"), s("b"), s("c"), s("d")],
                values: vec![vec![None, Some(f64::NAN), Some(f64::INFINITY), Some(50.0)]],
            },
            Section::Heatmap {
                title: s("heat"),
                rows: vec![s("r")],
                columns: vec![s("c1"), s("c2"), s("c3"), s("c4")],
                values: vec![vec![
                    None,
                    Some(f64::NAN),
                    Some(f64::NEG_INFINITY),
                    Some(0.5),
                ]],
                min: 0.0,
                max: 1.0,
                unit: String::new(),
            },
        ],
    };
    let html = render_html(&report);
    check_well_formed(&html).unwrap();
    assert_eq!(bar_rects(&html).len(), 1, "only the finite bar is drawn");
    assert_eq!(html.matches(">n/a</text>").count(), 3 + 2);
    assert_eq!(html.matches("class=\"cell empty\"").count(), 1);
    for bad in ["NaN", "inf"] {
        assert!(!html.contains(bad), "{bad}");
    }
    let md = render_markdown(&report);
    assert!(md.contains("| g | n/a | n/a | n/a | 50.0% |"), "{md}");
    assert!(md.contains("| r |  | n/a | n/a | 0.500 |"), "{md}");
}

#[test]
fn long_labels_are_cut_with_the_full_text_in_a_title() {
    let long = "a very long group label that cannot possibly fit under its bars";
    let report = bar_chart("%", &[long], &["x"], vec![vec![Some(10.0)]]);
    let html = render_html(&report);
    let shown_start = html
        .find(&format!("<title>{long}</title>"))
        .expect("full text");
    let after = &html[shown_start..];
    let shown = &after[after.find("</title>").unwrap() + 8..after.find("</text>").unwrap()];
    assert!(shown.ends_with('…'), "{shown}");
    assert!(shown.chars().count() < long.chars().count());
    assert!(long.starts_with(shown.trim_end_matches('…')));
}

#[test]
fn legend_names_every_series() {
    let html = render_html(&representative());
    let legend = &html[html.find("<g class=\"legend\">").unwrap()..];
    let legend = &legend[..legend.find("</g>").unwrap()];
    for name in ["secguard", "bandit", "semgrep"] {
        assert!(legend.contains(&format!(">{name}</text>")), "{name}");
    }
    assert_eq!(legend.matches("<rect ").count(), 3);
}

#[test]
fn confusion_shows_counts_and_rates() {
    let html = render_html(&representative());
    let fig = &html[html.find("<figure data-kind=\"confusion\">").unwrap()..];
    let fig = &fig[..fig.find("</figure>").unwrap()];
    for (cell, n) in [("TP", 40), ("FP", 6), ("TN", 90), ("FN", 14)] {
        assert!(fig.contains(&format!("data-cell=\"{cell}\"")));
        assert!(fig.contains(&format!(">{n}</text>")), "{cell}");
    }
    assert!(
        fig.contains("Precision 87.0%, recall (TPR) 74.1%, FPR 6.2%"),
        "{fig}"
    );
    // Nothing to divide: n/a, not NaN.
    let empty = Report {
        title: s("t"),
        subtitle: String::new(),
        sections: vec![Section::Confusion {
            title: s("empty"),
            tp: 0,
            fp: 0,
            tn: 0,
            fn_: 0,
        }],
    };
    let md = render_markdown(&empty);
    assert!(md.contains("Precision n/a, recall (TPR) n/a, FPR n/a, accuracy n/a, F1 n/a (n = 0)"));
}

#[test]
fn validate_names_the_section_and_the_field() {
    let mut report = representative();
    report.sections.push(Section::BarChart {
        title: s("ragged"),
        unit: s("%"),
        groups: vec![s("a"), s("b")],
        series: vec![s("x")],
        values: vec![vec![Some(1.0), Some(2.0)]],
    });
    let err = report.validate().unwrap_err();
    let EvalError::Invalid(msg) = err else {
        panic!("{err:?}")
    };
    assert!(msg.contains("sections[5] (\"ragged\")"), "{msg}");
    assert!(msg.contains("values has 1 rows, groups has 2"), "{msg}");
    assert!(
        msg.contains("values[0] has 2 entries, series has 1"),
        "{msg}"
    );
    // Rendering still works, and says what is wrong.
    let html = render_html(&report);
    check_well_formed(&html).unwrap();
    assert!(html.contains("<p class=\"warning\"><strong>Warning:</strong> values has 1 rows"));
    assert!(render_markdown(&report).contains("> **Warning:** values has 1 rows"));
}

#[test]
fn sections_serialize_with_a_kind_tag() {
    let json = serde_json::to_value(representative()).unwrap();
    assert_eq!(json["sections"][2]["kind"], "bar_chart");
    assert_eq!(json["sections"][3]["kind"], "confusion");
    assert_eq!(json["sections"][3]["fn"], 14);
    assert_eq!(json["sections"][2]["values"][1][2], serde_json::Value::Null);
    let back: Report = serde_json::from_value(json).unwrap();
    assert_eq!(back, representative());
}

#[test]
fn write_report_writes_three_files_atomically_and_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out/nested");
    let results = serde_json::json!({"mode": "baseline", "secure": [1, 2, 3]});
    write_report(&dir, &representative(), &results).unwrap();

    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["report.html", "report.md", "results.json"]);
    let json = std::fs::read_to_string(dir.join("results.json")).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json).unwrap(),
        results
    );
    assert!(json.contains("\n  \"mode\""), "pretty: {json}");
    assert_eq!(
        std::fs::read_to_string(dir.join("report.md")).unwrap(),
        render_markdown(&representative())
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("report.html")).unwrap(),
        render_html(&representative())
    );

    // Again, with other content: replaced, and still no temporary files.
    let mut other = representative();
    other.title = s("second run");
    write_report(&dir, &other, &serde_json::json!([])).unwrap();
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
    assert_eq!(
        std::fs::read_to_string(dir.join("results.json")).unwrap(),
        "[]\n"
    );
    assert!(
        std::fs::read_to_string(dir.join("report.md"))
            .unwrap()
            .starts_with("# second run\n")
    );
}

#[test]
fn write_report_names_the_path_it_cannot_write() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let err = write_report(&file, &representative(), &serde_json::json!({})).unwrap_err();
    assert!(matches!(err, EvalError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("not-a-dir"), "{err}");
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[<>&\"'|*_#\\\\\n a-z0-9-]{0,24}"]
}

fn any_value() -> impl Strategy<Value = Option<f64>> {
    prop::option::of(prop_oneof![
        any::<f64>(),
        -1e3..1e3f64,
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MAX),
        Just(-f64::MAX),
        Just(f64::MIN_POSITIVE / 4.0),
    ])
}

fn any_bound() -> impl Strategy<Value = f64> {
    prop_oneof![any::<f64>(), -10.0..10.0f64, Just(0.0), Just(f64::NAN)]
}

fn texts() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(any_text(), 0..5)
}

fn grid() -> impl Strategy<Value = Vec<Vec<Option<f64>>>> {
    prop::collection::vec(prop::collection::vec(any_value(), 0..5), 0..5)
}

fn any_section() -> impl Strategy<Value = Section> {
    prop_oneof![
        (any_text(), any_text()).prop_map(|(title, body)| Section::Text { title, body }),
        (any_text(), texts(), prop::collection::vec(texts(), 0..4)).prop_map(
            |(title, headers, rows)| Section::Table {
                title,
                headers,
                rows
            }
        ),
        (any_text(), any_text(), texts(), texts(), grid()).prop_map(
            |(title, unit, groups, series, values)| Section::BarChart {
                title,
                unit,
                groups,
                series,
                values
            }
        ),
        (
            any_text(),
            any::<usize>(),
            any::<usize>(),
            0..1000usize,
            0..1000usize
        )
            .prop_map(|(title, tp, fp, tn, fn_)| Section::Confusion {
                title,
                tp,
                fp,
                tn,
                fn_
            }),
        (
            any_text(),
            texts(),
            texts(),
            grid(),
            any_bound(),
            any_bound(),
            any_text()
        )
            .prop_map(
                |(title, rows, columns, values, min, max, unit)| Section::Heatmap {
                    title,
                    rows,
                    columns,
                    values,
                    min,
                    max,
                    unit
                }
            ),
    ]
}

proptest! {
    #[test]
    fn rendering_never_panics_and_html_stays_well_formed(
        title in any_text(),
        subtitle in any_text(),
        sections in prop::collection::vec(any_section(), 0..4),
    ) {
        let report = Report { title, subtitle, sections };
        let html = render_html(&report);
        if let Err(e) = check_well_formed(&html) {
            prop_assert!(false, "{}\n{}", e, html);
        }
        let md = render_markdown(&report);
        if let Err(e) = check_markdown_tables(&md) {
            prop_assert!(false, "{}\n{}", e, md);
        }
    }

    #[test]
    fn non_finite_values_render_as_n_a(v in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)]) {
        let report = bar_chart("s", &["g"], &["a"], vec![vec![Some(v)]]);
        let html = render_html(&report);
        prop_assert!(html.contains(">n/a</text>"));
        prop_assert!(!html.contains("NaN") && !html.contains("inf"));
        prop_assert!(render_markdown(&report).contains("| g | n/a |"));
    }
}
