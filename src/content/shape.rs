//! A bounded dry run of the parse the sanitizer will do.
//!
//! ammonia parses with html5ever's tree builder, whose work per token grows
//! with the depth of the open-element stack and the length of the list of
//! active formatting elements. Nested `<div>`s, unclosed `<b id=…>`s,
//! formatting elements carried across `<object>` markers or out of `<svg>`
//! make that work grow with the square of the input (300 KB of `<div>` took
//! 27 s), and some make the tree itself grow that way.
//!
//! So before ammonia sees a body, the same tree builder, in the same
//! fragment context, parses it into a sink that keeps no tree: it only
//! counts the elements created, how deep they sit, and the builder's own
//! work (each look at an element's name or identity is one step). The body
//! is fed a kilobyte at a time and refused as soon as a count passes its
//! limit, so the dry run itself costs at most the limits plus one
//! kilobyte's worth, and a body that passes parses in ammonia with the same
//! bounded work.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use html5ever::interface::{ElemName, ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::{local_name, ns, Attribute, LocalName, Namespace, QualName};

use super::{Budget, Refusal};

/// The deepest element nesting a body may have.
pub const MAX_DEPTH: usize = 100;
/// The most elements a body may make (those the parser re-creates for
/// formatting left open count too).
pub const MAX_ELEMENTS: usize = 100_000;
/// The most steps the tree builder may take: far above what any real body
/// needs (a 2 MiB story of paragraphs takes under a million), far below
/// what costs a second.
pub const MAX_STEPS: u64 = 10_000_000;
/// How much input the parser takes between looks at the counts.
const CHUNK_BYTES: usize = 1024;

#[derive(Default)]
struct Counts {
    steps: Cell<u64>,
    elements: Cell<usize>,
    depth: Cell<usize>,
}

impl Counts {
    fn step(&self) {
        self.steps.set(self.steps.get() + 1);
    }

    fn refusal(&self) -> Option<Refusal> {
        if self.elements.get() > MAX_ELEMENTS {
            Some(Refusal::TooComplex(format!(
                "has more than {MAX_ELEMENTS} elements (counting the formatting elements a parser reopens)"
            )))
        } else if self.depth.get() > MAX_DEPTH {
            Some(Refusal::TooComplex(format!(
                "nests elements more than {MAX_DEPTH} deep"
            )))
        } else if self.steps.get() > MAX_STEPS {
            Some(Refusal::TooComplex(
                "leaves too many elements open or misnested to parse in linear time".into(),
            ))
        } else {
            None
        }
    }
}

/// A node the dry run knows only by name and depth.
struct Node {
    name: QualName,
    depth: Cell<usize>,
    annotation_integration_point: bool,
    contents: RefCell<Option<Rc<Node>>>,
}

type Handle = Rc<Node>;

fn node(name: QualName, depth: usize) -> Handle {
    Rc::new(Node {
        name,
        depth: Cell::new(depth),
        annotation_integration_point: false,
        contents: RefCell::new(None),
    })
}

#[derive(Debug)]
struct Name<'a>(&'a QualName);

impl ElemName for Name<'_> {
    fn ns(&self) -> &Namespace {
        &self.0.ns
    }

    fn local_name(&self) -> &LocalName {
        &self.0.local
    }
}

struct CountingSink {
    counts: Rc<Counts>,
    document: Handle,
}

impl CountingSink {
    fn place(&self, child: &NodeOrText<Handle>, depth: usize) {
        if let NodeOrText::AppendNode(child) = child {
            child.depth.set(depth);
            if depth > self.counts.depth.get() {
                self.counts.depth.set(depth);
            }
        }
    }
}

impl TreeSink for CountingSink {
    type Handle = Handle;
    type Output = ();
    type ElemName<'a> = Name<'a>;

    fn finish(self) {}

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> Handle {
        self.document.clone()
    }

    fn elem_name<'a>(&'a self, target: &'a Handle) -> Name<'a> {
        self.counts.step();
        Name(&target.name)
    }

    fn create_element(
        &self,
        name: QualName,
        _attrs: Vec<Attribute>,
        flags: ElementFlags,
    ) -> Handle {
        self.counts.elements.set(self.counts.elements.get() + 1);
        Rc::new(Node {
            name,
            depth: Cell::new(0),
            annotation_integration_point: flags.mathml_annotation_xml_integration_point,
            contents: RefCell::new(None),
        })
    }

    fn create_comment(&self, _text: StrTendril) -> Handle {
        node(QualName::new(None, ns!(), local_name!("")), 0)
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> Handle {
        node(QualName::new(None, ns!(), local_name!("")), 0)
    }

    fn append(&self, parent: &Handle, child: NodeOrText<Handle>) {
        self.place(&child, parent.depth.get() + 1);
    }

    fn append_based_on_parent_node(
        &self,
        element: &Handle,
        prev_element: &Handle,
        child: NodeOrText<Handle>,
    ) {
        let depth = element.depth.get().max(prev_element.depth.get()) + 1;
        self.place(&child, depth);
    }

    fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {}

    fn get_template_contents(&self, target: &Handle) -> Handle {
        target
            .contents
            .borrow_mut()
            .get_or_insert_with(|| {
                node(
                    QualName::new(None, ns!(), local_name!("")),
                    target.depth.get(),
                )
            })
            .clone()
    }

    fn same_node(&self, x: &Handle, y: &Handle) -> bool {
        self.counts.step();
        Rc::ptr_eq(x, y)
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &Handle, new_node: NodeOrText<Handle>) {
        self.place(&new_node, sibling.depth.get());
    }

    fn add_attrs_if_missing(&self, _target: &Handle, _attrs: Vec<Attribute>) {}

    fn remove_from_parent(&self, _target: &Handle) {}

    fn reparent_children(&self, _node: &Handle, _new_parent: &Handle) {}

    fn is_mathml_annotation_xml_integration_point(&self, handle: &Handle) -> bool {
        handle.annotation_integration_point
    }
}

/// Parses `html` as ammonia will (a fragment in a `div`), counting instead
/// of building; the first limit it passes refuses it.
pub fn check(html: &str, budget: &Budget) -> Result<(), Refusal> {
    let counts = Rc::new(Counts::default());
    let sink = CountingSink {
        counts: counts.clone(),
        document: node(QualName::new(None, ns!(), local_name!("")), 0),
    };
    let mut parser = html5ever::driver::parse_fragment(
        sink,
        html5ever::driver::ParseOpts::default(),
        QualName::new(None, ns!(html), local_name!("div")),
        vec![],
        false,
    );
    let mut rest = html;
    while !rest.is_empty() {
        let mut cut = rest.len().min(CHUNK_BYTES);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        parser.process(StrTendril::from_slice(&rest[..cut]));
        rest = &rest[cut..];
        if let Some(refusal) = counts.refusal() {
            return Err(refusal);
        }
        if budget.exhausted() {
            return Err(Refusal::OutOfTime);
        }
    }
    parser.finish();
    counts.refusal().map_or(Ok(()), Err)
}
