//! MITRE's official CWE XML catalogue (`cwec_vX.Y.xml`, schema `cwe-7`).
//!
//! [`read_catalogue`] and [`parse_catalogue`] turn the catalogue into plain
//! data: weaknesses with their descriptions, mitigations and relations,
//! categories and views with their members. Only what secguard uses is kept;
//! every other element is skipped, so newer schema versions that add elements
//! still parse. Deprecated entries are kept, with their `status`.
//!
//! Text fields may hold XHTML mixed content (`xhtml:p`, `xhtml:li`,
//! `xhtml:br`, ...). It is flattened to plain text: whitespace runs collapse
//! to one space, paragraphs and other blocks are separated by a blank line,
//! line breaks and table rows start a new line and list items read
//! `- item` (nested items are indented by two spaces per level).
//!
//! The whole document is parsed with `roxmltree` (the v4.14 file, 15 MB, takes
//! well under a second). DTDs are refused, so entity expansion cannot blow up.
//! No input makes the parser panic: malformed XML, a different root element or
//! an entry without its `ID` or `Name` is an error naming the line.
//!
//! The catalogue text is MITRE's, under MITRE's terms of use; secguard reads it
//! at run time and does not ship it.

use std::path::{Path, PathBuf};

use roxmltree::{Document, Node};
use serde::{Deserialize, Serialize};

/// The view "Research Concepts": the weakness hierarchy by abstraction.
pub const RESEARCH_VIEW: u32 = 1000;
/// The view "Software Development": weaknesses grouped by categories.
pub const DEVELOPMENT_VIEW: u32 = 699;

/// The name of the root element of a CWE catalogue.
const ROOT: &str = "Weakness_Catalog";

/// A parsed CWE catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    /// The `Name` attribute of the root (`"CWE"`); empty when absent.
    pub name: String,
    /// The `Version` attribute of the root (`"4.14"`); empty when absent.
    pub version: String,
    /// The `Date` attribute of the root (`"2024-02-29"`); empty when absent.
    pub date: String,
    /// Every `Weakness`, in file order.
    pub weaknesses: Vec<CatalogueWeakness>,
    /// Every `Category`, in file order.
    pub categories: Vec<CatalogueCategory>,
    /// Every `View`, in file order.
    pub views: Vec<CatalogueView>,
}

/// One `Weakness` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueWeakness {
    /// The CWE number (`ID="79"`).
    pub id: u32,
    /// The entry's name, as written.
    pub name: String,
    /// `Pillar`, `Class`, `Base`, `Variant` or `Compound`, as written.
    pub abstraction: Option<String>,
    /// `Stable`, `Draft`, `Incomplete`, `Deprecated`, ..., as written.
    pub status: Option<String>,
    /// The `Description`, flattened to plain text; empty when absent.
    pub description: String,
    /// The `Extended_Description`, flattened to plain text; empty when absent.
    pub extended_description: String,
    /// The `Potential_Mitigations`, in file order.
    pub mitigations: Vec<Mitigation>,
    /// The `Related_Weaknesses`, in file order.
    pub relations: Vec<Relation>,
}

/// One `Potential_Mitigations/Mitigation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mitigation {
    /// The `Phase` elements (`Implementation`, `Architecture and Design`, ...).
    pub phases: Vec<String>,
    /// The `Strategy` (`Input Validation`, ...), if any.
    pub strategy: Option<String>,
    /// The `Description`, flattened to plain text.
    pub description: String,
}

/// One `Related_Weakness` of a weakness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    /// `ChildOf`, `ParentOf`, `CanPrecede`, `PeerOf`, ..., as written.
    pub nature: String,
    /// The related entry (`CWE_ID`): a weakness, or a category in view 699.
    pub target: u32,
    /// The view the relation belongs to (`View_ID`).
    pub view: u32,
    /// `Primary` or `Secondary`, if given.
    pub ordinal: Option<String>,
}

/// One `Category` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueCategory {
    /// The CWE number of the category.
    pub id: u32,
    /// The category's name, as written.
    pub name: String,
    /// The `Summary`, flattened to plain text; empty when absent.
    pub summary: String,
    /// `(cwe, view)` of every `Relationships/Has_Member`.
    pub members: Vec<(u32, u32)>,
    /// The `Status` attribute, as written.
    pub status: Option<String>,
}

/// One `View` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueView {
    /// The CWE number of the view (1000, 699, ...).
    pub id: u32,
    /// The view's name, as written.
    pub name: String,
    /// `Graph`, `Explicit` or `Implicit`, as written.
    pub view_type: Option<String>,
    /// The `Objective`, flattened to plain text; empty when absent.
    pub objective: String,
    /// `(cwe, view)` of every `Members/Has_Member`.
    pub members: Vec<(u32, u32)>,
    /// The `Status` attribute, as written.
    pub status: Option<String>,
}

/// Why a catalogue could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    #[error("cannot read the CWE catalogue {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The text is not well-formed XML (or uses a DTD, which is refused).
    #[error("the CWE catalogue is not well-formed XML (line {line}, column {column}): {message}")]
    Xml {
        /// 1-based line of the problem.
        line: u32,
        /// 1-based column of the problem.
        column: u32,
        /// The XML parser's message.
        message: String,
    },
    /// The XML's root element is not `Weakness_Catalog`.
    #[error("not a CWE catalogue: the root element is <{found}>, expected <Weakness_Catalog>")]
    NotACatalogue {
        /// The root element found.
        found: String,
    },
    /// A required attribute is missing or malformed.
    #[error("CWE catalogue line {line}: <{element}>: {message}")]
    BadField {
        /// 1-based line of the element.
        line: u32,
        /// The element's name (`Weakness`, `Related_Weakness`, ...).
        element: String,
        /// What is wrong, naming the attribute.
        message: String,
    },
    /// Any of the errors above, in the file `path` (from [`read_catalogue`]).
    #[error("{}: {error}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// The error within it.
        error: Box<CatalogueError>,
    },
}

/// Reads and parses the catalogue at `path`. Errors name the path.
pub fn read_catalogue(path: &Path) -> Result<Catalogue, CatalogueError> {
    let text = std::fs::read_to_string(path).map_err(|source| CatalogueError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_catalogue(&text).map_err(|error| CatalogueError::InFile {
        path: path.to_path_buf(),
        error: Box::new(error),
    })
}

/// Parses the text of a CWE catalogue.
pub fn parse_catalogue(text: &str) -> Result<Catalogue, CatalogueError> {
    let doc = Document::parse(text).map_err(|e| {
        let pos = e.pos();
        CatalogueError::Xml {
            line: pos.row,
            column: pos.col,
            message: e.to_string(),
        }
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != ROOT {
        return Err(CatalogueError::NotACatalogue {
            found: root.tag_name().name().to_owned(),
        });
    }
    let mut catalogue = Catalogue {
        name: attr(root, "Name").unwrap_or_default(),
        version: attr(root, "Version").unwrap_or_default(),
        date: attr(root, "Date").unwrap_or_default(),
        weaknesses: Vec::new(),
        categories: Vec::new(),
        views: Vec::new(),
    };
    for section in elements(root) {
        match section.tag_name().name() {
            "Weaknesses" => {
                for n in named(section, "Weakness") {
                    catalogue.weaknesses.push(weakness(&doc, n)?);
                }
            }
            "Categories" => {
                for n in named(section, "Category") {
                    catalogue.categories.push(category(&doc, n)?);
                }
            }
            "Views" => {
                for n in named(section, "View") {
                    catalogue.views.push(view(&doc, n)?);
                }
            }
            _ => {}
        }
    }
    Ok(catalogue)
}

impl Catalogue {
    /// `(child, parent)` pairs of the hierarchy in `view` (1000 = Research
    /// Concepts): every `ChildOf` relation with that `View_ID`, plus the
    /// reverse of every `ParentOf`, deduplicated and sorted.
    ///
    /// Category membership (`Has_Member`, which is how MITRE's recent
    /// releases express view 699) is not included: see
    /// [`CatalogueCategory::members`].
    pub fn child_parent_pairs(&self, view: u32) -> Vec<(u32, u32)> {
        let mut pairs: Vec<(u32, u32)> = self
            .weaknesses
            .iter()
            .flat_map(|w| {
                w.relations
                    .iter()
                    .filter(move |r| r.view == view)
                    .filter_map(move |r| match r.nature.as_str() {
                        "ChildOf" => Some((w.id, r.target)),
                        "ParentOf" => Some((r.target, w.id)),
                        _ => None,
                    })
            })
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }

    /// The weakness with CWE number `id` (the first, were it listed twice).
    pub fn weakness(&self, id: u32) -> Option<&CatalogueWeakness> {
        self.weaknesses.iter().find(|w| w.id == id)
    }

    /// The category with CWE number `id`.
    pub fn category(&self, id: u32) -> Option<&CatalogueCategory> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// The view with CWE number `id`.
    pub fn view(&self, id: u32) -> Option<&CatalogueView> {
        self.views.iter().find(|v| v.id == id)
    }
}

fn weakness(doc: &Document, node: Node) -> Result<CatalogueWeakness, CatalogueError> {
    let id = required_id(doc, node, "ID")?;
    let name = required_name(doc, node)?;
    let mut w = CatalogueWeakness {
        id,
        name,
        abstraction: attr(node, "Abstraction"),
        status: attr(node, "Status"),
        description: String::new(),
        extended_description: String::new(),
        mitigations: Vec::new(),
        relations: Vec::new(),
    };
    for child in elements(node) {
        match child.tag_name().name() {
            "Description" => w.description = flatten(child),
            "Extended_Description" => w.extended_description = flatten(child),
            "Potential_Mitigations" => {
                w.mitigations = named(child, "Mitigation").map(mitigation).collect();
            }
            "Related_Weaknesses" => {
                for r in named(child, "Related_Weakness") {
                    w.relations.push(relation(doc, r)?);
                }
            }
            _ => {}
        }
    }
    Ok(w)
}

fn mitigation(node: Node) -> Mitigation {
    let mut m = Mitigation {
        phases: Vec::new(),
        strategy: None,
        description: String::new(),
    };
    for child in elements(node) {
        match child.tag_name().name() {
            "Phase" => {
                let phase = flatten(child);
                if !phase.is_empty() {
                    m.phases.push(phase);
                }
            }
            "Strategy" => m.strategy = Some(flatten(child)).filter(|s| !s.is_empty()),
            "Description" => m.description = flatten(child),
            _ => {}
        }
    }
    m
}

fn relation(doc: &Document, node: Node) -> Result<Relation, CatalogueError> {
    let nature = attr(node, "Nature")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| bad_field(doc, node, "missing the attribute Nature".to_owned()))?;
    Ok(Relation {
        nature,
        target: required_id(doc, node, "CWE_ID")?,
        view: required_id(doc, node, "View_ID")?,
        ordinal: attr(node, "Ordinal"),
    })
}

fn category(doc: &Document, node: Node) -> Result<CatalogueCategory, CatalogueError> {
    let mut c = CatalogueCategory {
        id: required_id(doc, node, "ID")?,
        name: required_name(doc, node)?,
        summary: String::new(),
        members: Vec::new(),
        status: attr(node, "Status"),
    };
    for child in elements(node) {
        match child.tag_name().name() {
            "Summary" => c.summary = flatten(child),
            "Relationships" => c.members = members(doc, child)?,
            _ => {}
        }
    }
    Ok(c)
}

fn view(doc: &Document, node: Node) -> Result<CatalogueView, CatalogueError> {
    let mut v = CatalogueView {
        id: required_id(doc, node, "ID")?,
        name: required_name(doc, node)?,
        view_type: attr(node, "Type"),
        objective: String::new(),
        members: Vec::new(),
        status: attr(node, "Status"),
    };
    for child in elements(node) {
        match child.tag_name().name() {
            "Objective" => v.objective = flatten(child),
            "Members" => v.members = members(doc, child)?,
            _ => {}
        }
    }
    Ok(v)
}

/// `(CWE_ID, View_ID)` of every `Has_Member` child of `node`.
fn members(doc: &Document, node: Node) -> Result<Vec<(u32, u32)>, CatalogueError> {
    named(node, "Has_Member")
        .map(|m| {
            Ok((
                required_id(doc, m, "CWE_ID")?,
                required_id(doc, m, "View_ID")?,
            ))
        })
        .collect()
}

/// The element children of `node`.
fn elements<'a, 'input>(node: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(Node::is_element)
}

/// The element children of `node` with local name `name`.
fn named<'a, 'input>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    elements(node).filter(move |n| n.tag_name().name() == name)
}

/// The attribute `name`, trimmed.
fn attr(node: Node, name: &str) -> Option<String> {
    node.attribute(name).map(|v| v.trim().to_owned())
}

/// The attribute `name` as a CWE number, or a [`CatalogueError::BadField`].
fn required_id(doc: &Document, node: Node, name: &str) -> Result<u32, CatalogueError> {
    let Some(value) = node.attribute(name) else {
        return Err(bad_field(
            doc,
            node,
            format!("missing the attribute {name}"),
        ));
    };
    value.trim().parse().map_err(|_| {
        bad_field(
            doc,
            node,
            format!("the attribute {name}={value:?} is not a CWE number"),
        )
    })
}

/// The non-empty attribute `Name`, or a [`CatalogueError::BadField`].
fn required_name(doc: &Document, node: Node) -> Result<String, CatalogueError> {
    match attr(node, "Name") {
        Some(name) if !name.is_empty() => Ok(name),
        Some(_) => Err(bad_field(
            doc,
            node,
            "the attribute Name is empty".to_owned(),
        )),
        None => Err(bad_field(
            doc,
            node,
            "missing the attribute Name".to_owned(),
        )),
    }
}

fn bad_field(doc: &Document, node: Node, message: String) -> CatalogueError {
    CatalogueError::BadField {
        line: doc.text_pos_at(node.range().start).row,
        element: node.tag_name().name().to_owned(),
        message,
    }
}

/// Separators between pieces of flattened text, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Sep {
    Space,
    Line,
    Blank,
}

/// Builds flattened text, emitting a separator only between two pieces of
/// text, so that leading and trailing whitespace never appear.
#[derive(Default)]
struct Flat {
    out: String,
    pending: Option<Sep>,
    /// Nesting depth of the list item whose bullet is still to be written.
    bullet: Option<usize>,
}

impl Flat {
    fn request(&mut self, sep: Sep) {
        if self.pending.is_none_or(|p| sep > p) {
            self.pending = Some(sep);
        }
    }

    fn text(&mut self, text: &str) {
        for c in text.chars() {
            if c.is_whitespace() {
                self.request(Sep::Space);
            } else {
                self.flush();
                self.out.push(c);
            }
        }
    }

    fn flush(&mut self) {
        if let Some(sep) = self.pending.take()
            && !self.out.is_empty()
        {
            self.out.push_str(match sep {
                Sep::Space => " ",
                Sep::Line => "\n",
                Sep::Blank => "\n\n",
            });
        }
        if let Some(depth) = self.bullet.take() {
            for _ in 1..depth {
                self.out.push_str("  ");
            }
            self.out.push_str("- ");
        }
    }
}

/// The text content of `node`, XHTML markup flattened (see the module docs).
/// The walk is iterative, so deeply nested markup cannot overflow the stack.
fn flatten(node: Node) -> String {
    let mut flat = Flat::default();
    // Depth of open list items.
    let mut items = 0usize;
    let mut next = node.first_child();
    while let Some(n) = next {
        open(&mut flat, &mut items, n);
        if let Some(child) = n.first_child() {
            next = Some(child);
            continue;
        }
        // A leaf: close it and every ancestor that has no further sibling.
        let mut done = n;
        next = loop {
            close(&mut flat, &mut items, done);
            if let Some(sibling) = done.next_sibling() {
                break Some(sibling);
            }
            match done.parent() {
                Some(parent) if parent != node => done = parent,
                _ => break None,
            }
        };
    }
    flat.out
}

fn open(flat: &mut Flat, items: &mut usize, n: Node) {
    if n.is_text() {
        flat.text(n.text().unwrap_or_default());
    } else if n.is_element() {
        match n.tag_name().name() {
            "li" => {
                *items += 1;
                flat.request(Sep::Line);
                flat.bullet = Some(*items);
            }
            "br" | "tr" => flat.request(Sep::Line),
            "td" | "th" => flat.request(Sep::Space),
            name if is_block(name) => flat.request(block_sep(*items)),
            _ => {}
        }
    }
}

fn close(flat: &mut Flat, items: &mut usize, n: Node) {
    if n.is_element() {
        match n.tag_name().name() {
            "li" => {
                *items = items.saturating_sub(1);
                flat.bullet = None;
                flat.request(Sep::Line);
            }
            "tr" => flat.request(Sep::Line),
            name if is_block(name) => flat.request(block_sep(*items)),
            _ => {}
        }
    }
}

/// Block elements, separated from their surroundings by a blank line (a line
/// break inside a list item).
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "ul"
            | "ol"
            | "dl"
            | "table"
            | "blockquote"
            | "pre"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
    )
}

fn block_sep(items: usize) -> Sep {
    if items > 0 { Sep::Line } else { Sep::Blank }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"<Weakness_Catalog Name="CWE" Version="9" Date="d" xmlns="http://cwe.mitre.org/cwe-7" xmlns:xhtml="http://www.w3.org/1999/xhtml">"#;

    fn flat_of(inner: &str) -> String {
        let xml = format!(
            r#"{HEAD}<Weaknesses><Weakness ID="1" Name="n"><Description>{inner}</Description></Weakness></Weaknesses></Weakness_Catalog>"#
        );
        match parse_catalogue(&xml) {
            Ok(c) => c.weaknesses[0].description.clone(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn flattening_collapses_whitespace_and_trims() {
        assert_eq!(flat_of("  a \n\t b   c  "), "a b c");
        assert_eq!(flat_of(""), "");
        assert_eq!(flat_of("   "), "");
    }

    #[test]
    fn flattening_separates_paragraphs_by_a_blank_line() {
        assert_eq!(
            flat_of("<xhtml:p> one </xhtml:p>\n  <xhtml:p>two <xhtml:i>2</xhtml:i>.</xhtml:p>"),
            "one\n\ntwo 2."
        );
        assert_eq!(
            flat_of("lead<xhtml:div>block</xhtml:div>tail"),
            "lead\n\nblock\n\ntail"
        );
    }

    #[test]
    fn flattening_writes_list_items_and_line_breaks() {
        assert_eq!(
            flat_of(
                "Items:<xhtml:ul><xhtml:li>a</xhtml:li><xhtml:li><xhtml:p>b</xhtml:p><xhtml:ol><xhtml:li>c</xhtml:li></xhtml:ol></xhtml:li></xhtml:ul>after"
            ),
            "Items:\n\n- a\n- b\n  - c\n\nafter"
        );
        assert_eq!(flat_of("x<xhtml:br/>y<xhtml:br/><xhtml:br/>z"), "x\ny\nz");
        assert_eq!(flat_of("<xhtml:ul><xhtml:li/></xhtml:ul>x"), "x");
    }

    #[test]
    fn flattening_puts_table_rows_on_lines() {
        assert_eq!(
            flat_of(
                "<xhtml:table><xhtml:tr><xhtml:th>A</xhtml:th><xhtml:th>B</xhtml:th></xhtml:tr><xhtml:tr><xhtml:td>1</xhtml:td><xhtml:td>2</xhtml:td></xhtml:tr></xhtml:table>"
            ),
            "A B\n1 2"
        );
    }

    #[test]
    fn flattening_ignores_comments_and_decodes_entities() {
        assert_eq!(flat_of("a<!-- hidden -->b &amp; &lt;c&gt;"), "ab & <c>");
    }

    #[test]
    fn deep_markup_does_not_overflow() {
        let depth = 20_000;
        let inner = format!(
            "{}deep{}",
            "<xhtml:b>".repeat(depth),
            "</xhtml:b>".repeat(depth)
        );
        assert_eq!(flat_of(&inner), "deep");
    }

    #[test]
    fn pairs_merge_child_of_and_reversed_parent_of() {
        let rel = |nature: &str, target, view| Relation {
            nature: nature.to_owned(),
            target,
            view,
            ordinal: None,
        };
        let w = |id, relations| CatalogueWeakness {
            id,
            name: String::new(),
            abstraction: None,
            status: None,
            description: String::new(),
            extended_description: String::new(),
            mitigations: Vec::new(),
            relations,
        };
        let c = Catalogue {
            name: String::new(),
            version: String::new(),
            date: String::new(),
            weaknesses: vec![
                w(2, vec![rel("ChildOf", 1, 1000), rel("ChildOf", 9, 699)]),
                w(1, vec![rel("ParentOf", 2, 1000), rel("ParentOf", 3, 1000)]),
                w(3, vec![rel("PeerOf", 2, 1000), rel("CanPrecede", 1, 1000)]),
            ],
            categories: Vec::new(),
            views: Vec::new(),
        };
        assert_eq!(c.child_parent_pairs(1000), vec![(2, 1), (3, 1)]);
        assert_eq!(c.child_parent_pairs(699), vec![(2, 9)]);
        assert!(c.child_parent_pairs(1).is_empty());
    }

    #[test]
    fn bad_ids_name_the_line_element_and_attribute() {
        let xml = format!(
            "{HEAD}\n<Weaknesses>\n<Weakness ID=\"x1\" Name=\"n\"/>\n</Weaknesses></Weakness_Catalog>"
        );
        match parse_catalogue(&xml) {
            Err(e @ CatalogueError::BadField { line: 3, .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("line 3"), "{msg}");
                assert!(msg.contains("<Weakness>"), "{msg}");
                assert!(msg.contains("ID=\"x1\""), "{msg}");
            }
            other => panic!("{other:?}"),
        }
        let xml = format!(
            "{HEAD}<Weaknesses><Weakness ID=\"1\" Name=\"n\"><Related_Weaknesses>\n<Related_Weakness CWE_ID=\"2\" View_ID=\"1000\"/></Related_Weaknesses></Weakness></Weaknesses></Weakness_Catalog>"
        );
        match parse_catalogue(&xml) {
            Err(CatalogueError::BadField {
                line: 2,
                element,
                message,
            }) => {
                assert_eq!(element, "Related_Weakness");
                assert!(message.contains("Nature"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dtds_are_refused() {
        let xml = format!(
            "<!DOCTYPE Weakness_Catalog [<!ENTITY a \"aaaa\">]>{HEAD}<Weaknesses/></Weakness_Catalog>"
        );
        assert!(matches!(
            parse_catalogue(&xml),
            Err(CatalogueError::Xml { .. })
        ));
    }
}
