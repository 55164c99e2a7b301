//! The front end: text → tokens → syntax tree → checked, lowered program.

pub mod ast;
pub mod lexer;
pub mod lower;
pub mod parser;

use crate::diag::Diagnostic;
use crate::ir::Program;
use crate::source::SourceFile;

/// What the front end needs to know about the outside world: which foreign functions exist and
/// which named constants are built in. The shim layer provides it; the VM knows no Linux names.
pub trait Resolver {
    fn foreign(&self, name: &str) -> Option<crate::ir::ForeignSig>;
    fn constant(&self, name: &str) -> Option<u64>;
}

/// The result of compiling a source file: the program (if there were no errors) and every
/// diagnostic, warnings included.
pub struct Compiled {
    pub program: Option<Program>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses, checks and lowers a program.
pub fn compile(file: &SourceFile, resolver: &dyn Resolver) -> Compiled {
    let tokens = match lexer::lex(&file.text) {
        Ok(t) => t,
        Err(d) => return Compiled { program: None, diagnostics: vec![d] },
    };
    let ast = match parser::parse(&tokens) {
        Ok(a) => a,
        Err(d) => return Compiled { program: None, diagnostics: vec![d] },
    };
    lower::lower(&ast, file, resolver)
}

/// Reads bytes as a program source, rejecting invalid UTF-8 with the offset of the first bad byte.
pub fn decode_source(bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        Diagnostic::error(format!("the program is not valid UTF-8: invalid byte at offset {at}"))
            .note("Spindle programs are UTF-8 text files")
    })
}
