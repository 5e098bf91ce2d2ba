//! The crate's modules import each other without a cycle: no module
//! imports a module that (directly or through others) imports it.
//!
//! Every file under `src/` is parsed with `syn`; each `use` and each path
//! that begins with `crate`, `self` or `super` is an edge from the file's
//! module to the module it names. An edge between modules that are not
//! ancestor and descendant is an edge between the two siblings that hold
//! them under their common parent (`image::capture → error` is `image →
//! error`), so that the check holds at every level of the tree. Test
//! modules (`#[cfg(test)]`) are left out: they may use what they test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use syn::visit::{self, Visit};

/// A module's path below the crate root, e.g. `["protocol", "request"]`.
type Module = Vec<String>;

/// The module a source file holds: `src/lib.rs` is the root, `x/mod.rs`
/// and `x.rs` are `x`.
fn module_of(src: &Path, file: &Path) -> Option<Module> {
    let rel = file.strip_prefix(src).ok()?.with_extension("");
    let mut parts: Module = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
        parts.pop();
    }
    Some(parts)
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string().split(|c: char| !c.is_alphanumeric()).any(|w| w == "test"))
    })
}

/// Collects the module paths a file names.
struct Names<'a> {
    here: &'a Module,
    /// The inline modules entered (`mod x { .. }`), below `here`.
    inner: Module,
    found: Vec<Module>,
}

impl Names<'_> {
    /// `segments` resolved from the current module, if it starts with
    /// `crate`, `self` or `super`.
    fn resolve(&mut self, segments: &[String]) {
        let Some((first, rest)) = segments.split_first() else {
            return;
        };
        let mut base: Module = self.here.iter().chain(&self.inner).cloned().collect();
        let rest = match first.as_str() {
            "crate" => {
                base.clear();
                rest
            }
            "self" => rest,
            "super" => {
                base.pop();
                let mut rest = rest;
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = rest.get(1..).unwrap_or_default();
                }
                rest
            }
            _ => return,
        };
        base.extend(rest.iter().cloned());
        self.found.push(base);
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                prefix.push(n.ident.to_string());
                self.resolve(&prefix.clone());
                prefix.pop();
            }
            syn::UseTree::Rename(r) => {
                prefix.push(r.ident.to_string());
                self.resolve(&prefix.clone());
                prefix.pop();
            }
            syn::UseTree::Glob(_) => self.resolve(&prefix.clone()),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Names<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if is_cfg_test(&m.attrs) {
            return;
        }
        self.inner.push(m.ident.to_string());
        visit::visit_item_mod(self, m);
        self.inner.pop();
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if !is_cfg_test(&u.attrs) {
            self.use_tree(&mut Vec::new(), &u.tree);
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        self.resolve(&segments);
        visit::visit_path(self, p);
    }
}

/// The sibling-level edge an import from `from` to `to` amounts to, if
/// neither holds the other.
fn sibling_edge(from: &Module, to: &Module) -> Option<(Module, Module)> {
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    if common == from.len() || common == to.len() {
        return None;
    }
    Some((from.get(..=common)?.to_vec(), to.get(..=common)?.to_vec()))
}

/// A cycle in `edges`, as the modules along it, if there is one.
fn find_cycle(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        node: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        stack: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(at) = stack.iter().position(|m| m == node) {
            let mut cycle = stack.get(at..)?.to_vec();
            cycle.push(node.clone());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, edges, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|n| visit(n, edges, &mut Vec::new(), &mut done))
}

/// The import cycles among the modules under `src`: empty when there is
/// none; otherwise one cycle, spelled `a → b → a`, or the files that could
/// not be parsed.
pub fn cycles(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut modules = BTreeSet::new();
    let mut parsed = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        let Some(module) = module_of(src, &file) else {
            continue;
        };
        match std::fs::read_to_string(&file)
            .map_err(|e| e.to_string())
            .and_then(|text| syn::parse_file(&text).map_err(|e| e.to_string()))
        {
            Ok(ast) => {
                modules.insert(module.clone());
                parsed.push((module, ast));
            }
            Err(e) => problems.push(format!("{}: {e}", file.display())),
        }
    }
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, ast) in &parsed {
        let mut names = Names {
            here: module,
            inner: Vec::new(),
            found: Vec::new(),
        };
        names.visit_file(ast);
        for named in names.found {
            // The longest prefix that is a module of a file of its own.
            let Some(target) = (0..=named.len())
                .rev()
                .filter_map(|n| named.get(..n))
                .find(|p| modules.contains(*p))
            else {
                continue;
            };
            if let Some((a, b)) = sibling_edge(module, &target.to_vec()) {
                edges.entry(a).or_default().insert(b);
            }
        }
    }
    if !problems.is_empty() {
        return problems;
    }
    find_cycle(&edges)
        .map(|c| {
            vec![
                c.iter()
                    .map(|m| format!("crate::{}", m.join("::")))
                    .collect::<Vec<_>>()
                    .join(" → "),
            ]
        })
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn m(s: &str) -> Module {
        s.split("::")
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn imports_become_edges_between_siblings() {
        assert_eq!(
            sibling_edge(&m("image::capture"), &m("error")),
            Some((m("image"), m("error")))
        );
        assert_eq!(
            sibling_edge(&m("image::capture"), &m("image::sizing")),
            Some((m("image::capture"), m("image::sizing")))
        );
        assert_eq!(sibling_edge(&m("protocol::request"), &m("protocol")), None);
    }

    #[test]
    fn a_cycle_is_found_and_spelled() {
        let dir = std::env::temp_dir().join(format!("xtask-modules-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("b")).unwrap();
        std::fs::write(dir.join("lib.rs"), "mod a; mod b; mod c;").unwrap();
        std::fs::write(dir.join("a.rs"), "use crate::b::x::Thing;").unwrap();
        std::fs::write(dir.join("b/mod.rs"), "pub mod x;").unwrap();
        std::fs::write(dir.join("b/x.rs"), "fn f() { crate::c::g(); }").unwrap();
        std::fs::write(
            dir.join("c.rs"),
            "use super::a; #[cfg(test)] mod tests { use crate::b; }",
        )
        .unwrap();
        assert_eq!(
            cycles(&dir),
            vec!["crate::a → crate::b → crate::c → crate::a".to_owned()]
        );
        std::fs::write(dir.join("c.rs"), "#[cfg(test)] mod tests { use crate::a; }").unwrap();
        assert!(cycles(&dir).is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
