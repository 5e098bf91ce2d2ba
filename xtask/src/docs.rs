//! Every link and path the project's Markdown names must resolve inside
//! the repository: links (`[text](path)`) and code spans that spell a
//! relative path (`./x`, `../x`). `cargo xtask test` fails on a link that
//! points outside the repository or nowhere.

use pulldown_cmark::{Event, Parser, Tag};
use std::path::{Component, Path, PathBuf};

/// Folders that hold no docs of ours.
const SKIP: [&str; 5] = ["target", "node_modules", "pkg", "test-artifacts", ".git"];

/// The Markdown files of the repository.
fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if !SKIP.iter().any(|s| name == *s) {
                markdown_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// `path` with `.` and `..` folded, without touching the file system;
/// `None` when `..` climbs above the start.
fn normalise(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

/// What is wrong with `target`, named in `file` (relative to the root),
/// or `None` when it resolves inside the repository.
fn problem(root: &Path, file: &Path, target: &str) -> Option<String> {
    let target = target.split(['#', '?']).next().unwrap_or_default();
    if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
        return None;
    }
    let dir = file.parent().unwrap_or(Path::new(""));
    let joined = if let Some(abs) = target.strip_prefix('/') {
        PathBuf::from(abs)
    } else {
        dir.join(target)
    };
    match normalise(&joined) {
        None => Some(format!(
            "{}: {target} points outside the repository",
            file.display()
        )),
        Some(p) if !root.join(&p).exists() => Some(format!(
            "{}: {target} does not exist ({})",
            file.display(),
            p.display()
        )),
        Some(_) => None,
    }
}

/// Every broken link or path in the repository's Markdown.
pub fn broken_links(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    markdown_files(root, &mut files);
    files.sort();
    let mut broken = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            broken.push(format!("{}: unreadable", path.display()));
            continue;
        };
        let file = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        for event in Parser::new(&text) {
            let target = match event {
                Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                    dest_url.into_string()
                }
                Event::Code(code) if code.starts_with("./") || code.starts_with("../") => {
                    code.into_string()
                }
                _ => continue,
            };
            broken.extend(problem(root, &file, &target));
        }
    }
    broken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_outside_or_nowhere_are_found() {
        let root = crate::util::root();
        let file = Path::new("sandbox/README.md");
        assert!(problem(&root, file, "../../shared/PROTOCOL.md").is_some());
        assert!(problem(&root, file, "../missing.md").is_some());
        assert_eq!(problem(&root, file, "../README.md#usage"), None);
        assert_eq!(problem(&root, file, "https://example.com/x"), None);
        assert_eq!(problem(&root, file, "src/api.rs"), None);
    }
}
