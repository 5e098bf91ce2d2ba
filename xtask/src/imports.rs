//! Short names for what the wasm imports from its glue. wasm-bindgen names
//! each import after what it calls and a hash (`__wbg_fetch_5f2e0a8d3c1b9e47`)
//! so that the glue and the wasm agree; each is written twice (the wasm's
//! import section and the glue's import object), and its 16 hex digits do
//! not compress. terser renames them in the glue as the properties they
//! are ([`crate::build::compact_glue`]), and [`rename`] gives the wasm's
//! imports the same names. The module they come from keeps its name:
//! named again in every import, it compresses to almost nothing.

use crate::util::Result;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasmparser::{Parser, Payload};

/// The names of what `wasm` imports, checked to be safe to rename in the
/// glue: none is also the name of an export (which the glue reads as a
/// property of the instance's exports, and must keep).
pub fn names(wasm: &Path) -> Result<Vec<String>> {
    let bytes = read(wasm)?;
    let fail = |e: wasmparser::BinaryReaderError| format!("{}: {e}", wasm.display());
    let mut imports = Vec::new();
    let mut exports = HashSet::new();
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload.map_err(fail)? {
            Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    imports.push(import.map_err(fail)?.name.to_owned());
                }
            }
            Payload::ExportSection(section) => {
                for export in section {
                    exports.insert(export.map_err(fail)?.name.to_owned());
                }
            }
            _ => {}
        }
    }
    match imports.iter().find(|name| exports.contains(name.as_str())) {
        Some(both) => Err(format!(
            "{}: `{both}` is both imported and exported, so the glue's name for it cannot be shortened",
            wasm.display()
        )),
        None => Ok(imports),
    }
}

/// Rewrites `wasm` with each import named as `short` says (every one
/// must be there); every other section is copied byte for byte.
pub fn rename(wasm: &Path, short: &HashMap<String, String>) -> Result {
    let bytes = read(wasm)?;
    let fail = |e: wasmparser::BinaryReaderError| format!("{}: {e}", wasm.display());
    let mut module = wasm_encoder::Module::new();
    for payload in Parser::new(0).parse_all(&bytes) {
        let payload = payload.map_err(fail)?;
        if let Payload::ImportSection(section) = &payload {
            let mut renamed = wasm_encoder::ImportSection::new();
            for import in section.clone().into_imports() {
                let import = import.map_err(fail)?;
                let name = short.get(import.name).ok_or_else(|| {
                    format!(
                        "{}: the glue gave no short name for the import `{}`",
                        wasm.display(),
                        import.name
                    )
                })?;
                let ty = RoundtripReencoder
                    .entity_type(import.ty)
                    .map_err(|e| format!("{}: {e}", wasm.display()))?;
                renamed.import(import.module, name, ty);
            }
            module.section(&renamed);
        } else if let Some((id, range)) = payload.as_section() {
            let data = bytes
                .get(range)
                .ok_or_else(|| format!("{}: a section runs past the end", wasm.display()))?;
            module.section(&wasm_encoder::RawSection { id, data });
        }
    }
    fs::write(wasm, module.finish()).map_err(|e| format!("writing {}: {e}", wasm.display()))
}

fn read(wasm: &Path) -> Result<Vec<u8>> {
    fs::read(wasm).map_err(|e| format!("reading {}: {e}", wasm.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        EntityType, ExportKind, ExportSection, Function, FunctionSection, ImportSection, Module,
        TypeSection,
    };

    /// A module importing `imports` (functions of no arguments) from one
    /// glue module and exporting one function as `export`.
    fn module(imports: &[&str], export: &str) -> Vec<u8> {
        let mut types = TypeSection::new();
        types.ty().function([], []);
        let mut section = ImportSection::new();
        for name in imports {
            section.import("./glue.js", name, EntityType::Function(0));
        }
        let mut functions = FunctionSection::new();
        functions.function(0);
        let mut exports = ExportSection::new();
        let own = u32::try_from(imports.len()).unwrap_or(u32::MAX);
        exports.export(export, ExportKind::Func, own);
        let mut code = wasm_encoder::CodeSection::new();
        let mut body = Function::new([]);
        body.instructions().call(0).end();
        code.function(&body);
        let mut module = Module::new();
        module
            .section(&types)
            .section(&section)
            .section(&functions)
            .section(&exports)
            .section(&code);
        module.finish()
    }

    fn temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("xtask-imports-{}-{name}.wasm", std::process::id()));
        fs::write(&path, bytes).unwrap_or_default();
        path
    }

    #[test]
    fn imports_take_the_glues_names_and_nothing_else_changes() {
        let wasm = temp(
            "rename",
            &module(
                &["__wbg_a_0123456789abcdef", "__wbg_b_fedcba9876543210"],
                "run",
            ),
        );
        assert_eq!(
            names(&wasm),
            Ok(vec![
                "__wbg_a_0123456789abcdef".to_owned(),
                "__wbg_b_fedcba9876543210".to_owned()
            ])
        );
        let short = HashMap::from([
            ("__wbg_a_0123456789abcdef".to_owned(), "t".to_owned()),
            ("__wbg_b_fedcba9876543210".to_owned(), "_".to_owned()),
        ]);
        assert_eq!(rename(&wasm, &short), Ok(()));
        assert_eq!(fs::read(&wasm).ok(), Some(module(&["t", "_"], "run")));
        // An import the glue gave no name is an error, not a broken build.
        assert!(rename(&wasm, &HashMap::new()).is_err());
        let _ = fs::remove_file(&wasm);
    }

    #[test]
    fn a_name_both_imported_and_exported_is_refused() {
        let wasm = temp("both", &module(&["run"], "run"));
        assert!(names(&wasm).is_err_and(|e| e.contains("`run` is both imported and exported")));
        let _ = fs::remove_file(&wasm);
    }
}
