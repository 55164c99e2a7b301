//! Checking and lowering in one pass: names are resolved, types checked, and the syntax tree is
//! turned into the flat register code of `ir.rs`. Every error is collected (not just the first),
//! each with a span; the program is only produced when there are none.

use super::ast::{self, BinOp, Expr, ExprKind, Init, StmtKind, SwitchPat, TermKind, TyAst, UnOp};
use super::Resolver;
use crate::diag::Diagnostic;
use crate::ir::*;
use crate::source::{SourceMap, Span};
use rustc_hash::FxHashMap;

/// Largest static or array local, in bytes (offsets in a pointer are 32 bits).
pub const MAX_ALLOC_SIZE: u64 = u32::MAX as u64;

pub fn lower<'r>(m: &ast::Module, sources: &'r SourceMap, resolver: &'r dyn Resolver) -> (Option<Program>, Vec<Diagnostic>) {
    let mut cx = Cx {
        resolver,
        sources,
        consts: FxHashMap::default(),
        diags: Vec::new(),
        statics: Vec::new(),
        static_names: FxHashMap::default(),
        fns: FxHashMap::default(),
        strings: Vec::new(),
        formats: Vec::new(),
        fn_sigs: Vec::new(),
        fn_returns: Vec::new(),
    };
    cx.collect(m);
    let mut functions = Vec::new();
    for (i, f) in m.fns.iter().enumerate() {
        if let Some(func) = FnCx::lower(&mut cx, f, i as u32) {
            functions.push(func);
        }
    }
    let main = match cx.fns.get("main") {
        Some(&i) => {
            let f = &m.fns[i as usize];
            if !f.params.is_empty() {
                cx.diags.push(Diagnostic::error("`main` takes no parameters").at(f.name.span, "declared with parameters here"));
            }
            if let Some(r) = &f.ret {
                if cx.ty(r).is_some_and(|t| !t.is_int()) {
                    cx.diags.push(Diagnostic::error("`main` must return an integer type or nothing").at(r.span, "the exit code"));
                }
            }
            Some(i)
        }
        None => {
            cx.diags.push(Diagnostic::error("the program has no `main` function").help("add `fn main() -> i64 { bb0: { return 0; } }`"));
            None
        }
    };
    let has_errors = cx.diags.iter().any(|d| d.level == crate::diag::Level::Error);
    let program = match (has_errors, main) {
        (false, Some(main)) => Some(Program {
            functions,
            main,
            statics: cx.statics,
            strings: cx.strings,
            formats: cx.formats,
            line_starts: sources.files().iter().flat_map(|f| f.line_starts()).collect(),
            file_starts: sources.files().iter().map(|f| f.base).collect(),
            file_paths: sources.files().iter().map(|f| f.path.clone()).collect(),
        }),
        _ => None,
    };
    (program, cx.diags)
}

/// Program-wide state.
struct Cx<'r> {
    resolver: &'r dyn Resolver,
    sources: &'r SourceMap,
    /// `const` items' values.
    consts: FxHashMap<String, i128>,
    diags: Vec<Diagnostic>,
    statics: Vec<StaticData>,
    /// Name → (index in `statics`, element type for arrays / the type for scalars).
    static_names: FxHashMap<String, u32>,
    fns: FxHashMap<String, u32>,
    fn_sigs: Vec<(Vec<Ty>, Option<Ty>)>,
    /// Whether each function has a `return` (one that has none never returns, so a call to it
    /// may leave out its return block).
    fn_returns: Vec<bool>,
    strings: Vec<String>,
    formats: Vec<Vec<FmtPiece>>,
}

/// A static's address: allocation ids start at 1 and statics are allocated first, in order.
fn static_addr(index: u32) -> u64 {
    (index as u64 + 1) << 32
}

impl Cx<'_> {
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn ty(&mut self, t: &ast::TyNode) -> Option<Ty> {
        match &t.ty {
            TyAst::Scalar(name) => match Ty::from_name(name) {
                Some(ty) => Some(ty),
                None => {
                    self.err(
                        Diagnostic::error(format!("unknown type `{name}`"))
                            .at(t.span, "not a type")
                            .help("types: i8 i16 i32 i64 u8 u16 u32 u64 bool ptr fn, and arrays [T; N]"),
                    );
                    None
                }
            },
            TyAst::Array(..) => {
                self.err(Diagnostic::error("an array type is not allowed here").at(t.span, "only statics and locals can be arrays"));
                None
            }
        }
    }

    /// An array type's element type and byte size.
    fn array_ty(&mut self, t: &ast::TyNode) -> Option<(Ty, u64)> {
        let TyAst::Array(elem, n) = &t.ty else { return None };
        let Some(ety) = Ty::from_name(elem).filter(|t| t.is_int()) else {
            self.err(Diagnostic::error(format!("arrays hold integers, not `{elem}`")).at(t.span, "element type"));
            return None;
        };
        match n.checked_mul(ety.size() as u64).filter(|&s| s <= MAX_ALLOC_SIZE) {
            Some(size) => Some((ety, size)),
            None => {
                self.err(
                    Diagnostic::error(format!("array too large: the largest allocation is {MAX_ALLOC_SIZE} bytes"))
                        .at(t.span, "this array"),
                );
                None
            }
        }
    }

    fn intern(&mut self, s: String) -> u32 {
        self.strings.push(s);
        self.strings.len() as u32 - 1
    }

    /// A string literal: read-only, NUL-terminated as in C (so `write(1, "hi", 3)` writes the NUL
    /// as a C program would).
    fn string_literal(&mut self, bytes: &[u8], span: Span) -> u64 {
        let idx = self.statics.len() as u32;
        let mut data = bytes.to_vec();
        data.push(0);
        self.statics.push(StaticData { name: "string literal".into(), bytes: data, read_only: true, span });
        static_addr(idx)
    }

    fn collect(&mut self, m: &ast::Module) {
        let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
        for s in &m.statics {
            if let Some(prev) = seen.insert(&s.name.name, s.name.span) {
                self.err(
                    Diagnostic::error(format!("the name `{}` is defined more than once", s.name.name))
                        .at(s.name.span, "redefined here")
                        .also(prev, "first defined here"),
                );
                continue;
            }
            let bytes = self.static_bytes(s);
            let idx = self.statics.len() as u32;
            self.statics.push(StaticData { name: s.name.name.as_str().into(), bytes, read_only: false, span: s.span });
            self.static_names.insert(s.name.name.clone(), idx);
        }
        for c in &m.consts {
            if let Some(prev) = seen.insert(&c.name.name, c.name.span) {
                self.err(
                    Diagnostic::error(format!("the name `{}` is defined more than once", c.name.name))
                        .at(c.name.span, "redefined here")
                        .also(prev, "first defined here"),
                );
            }
        }
        self.eval_consts(m);
        for (i, f) in m.fns.iter().enumerate() {
            if let Some(prev) = seen.insert(&f.name.name, f.name.span) {
                self.err(
                    Diagnostic::error(format!("the name `{}` is defined more than once", f.name.name))
                        .at(f.name.span, "redefined here")
                        .also(prev, "first defined here"),
                );
            } else {
                self.fns.insert(f.name.name.clone(), i as u32);
            }
            let params = f.params.iter().map(|(_, t)| self.ty(t).unwrap_or(Ty::I64)).collect();
            let ret = f.ret.as_ref().and_then(|t| self.ty(t));
            self.fn_sigs.push((params, ret));
            self.fn_returns.push(f.blocks.iter().any(|b| matches!(b.term.kind, TermKind::Return(_))));
        }
    }

    /// Evaluates every `const` item (each may use built-in constants and other `const`s).
    fn eval_consts(&mut self, m: &ast::Module) {
        let defs: FxHashMap<&str, &ast::ConstDef> = m.consts.iter().map(|c| (c.name.name.as_str(), c)).collect();
        let mut visiting = Vec::new();
        for c in &m.consts {
            if !self.consts.contains_key(&c.name.name) {
                let _ = self.const_value(c, &defs, &mut visiting);
            }
        }
    }

    fn const_value<'m>(
        &mut self,
        c: &'m ast::ConstDef,
        defs: &FxHashMap<&str, &'m ast::ConstDef>,
        visiting: &mut Vec<&'m str>,
    ) -> Option<i128> {
        if let Some(&v) = self.consts.get(&c.name.name) {
            return Some(v);
        }
        if visiting.contains(&c.name.name.as_str()) {
            self.err(
                Diagnostic::error(format!("the value of `const {}` depends on itself", c.name.name))
                    .at(c.name.span, format!("{} → {}", visiting.join(" → "), c.name.name)),
            );
            return None;
        }
        visiting.push(&c.name.name);
        let v = self.const_expr(&c.value, defs, visiting);
        visiting.pop();
        let v = v?;
        if !(i64::MIN as i128..=u64::MAX as i128).contains(&v) {
            self.err(
                Diagnostic::error(format!("`const {}` does not fit in 64 bits", c.name.name)).at(c.value.span, format!("this is {v}")),
            );
            return None;
        }
        self.consts.insert(c.name.name.clone(), v);
        Some(v)
    }

    /// A constant expression: literals, built-in constants, `const`s, `- ! | & ^ + - * << >>`.
    fn const_expr<'m>(&mut self, e: &ast::Expr, defs: &FxHashMap<&str, &'m ast::ConstDef>, visiting: &mut Vec<&'m str>) -> Option<i128> {
        let bits = |v: i128| v as u64;
        Some(match &e.kind {
            ExprKind::Int(v) => *v as i128,
            ExprKind::Name(n) => {
                if let Some(&c) = defs.get(n.as_str()) {
                    return self.const_value(c, defs, visiting);
                }
                match self.resolver.constant(n) {
                    Some(v) => v as i64 as i128,
                    None => {
                        self.err(
                            Diagnostic::error(format!("unknown constant `{n}`")).at(e.span, "not a built-in constant or a `const` item"),
                        );
                        return None;
                    }
                }
            }
            ExprKind::Unary(ast::UnOp::Neg, inner) => -self.const_expr(inner, defs, visiting)?,
            ExprKind::Unary(ast::UnOp::Not, inner) => !bits(self.const_expr(inner, defs, visiting)?) as i128,
            ExprKind::Binary(op, a, b) => {
                let a = self.const_expr(a, defs, visiting)?;
                let b = self.const_expr(b, defs, visiting)?;
                let r = match op {
                    BinOp::Or => Some((bits(a) | bits(b)) as i128),
                    BinOp::And => Some((bits(a) & bits(b)) as i128),
                    BinOp::Xor => Some((bits(a) ^ bits(b)) as i128),
                    BinOp::Add => a.checked_add(b),
                    BinOp::Sub => a.checked_sub(b),
                    BinOp::Mul => a.checked_mul(b),
                    BinOp::Shl if (0..64).contains(&b) => Some((bits(a) << b) as i128),
                    BinOp::Shr if (0..64).contains(&b) => Some((bits(a) >> b) as i128),
                    _ => None,
                };
                match r {
                    Some(v) if (i64::MIN as i128..=u64::MAX as i128).contains(&v) => v,
                    _ => {
                        self.err(
                            Diagnostic::error("this constant expression cannot be computed")
                                .at(e.span, "out of range, or an operator a constant cannot use")
                                .help("constants may use `- ! | & ^ + - * << >>` on literals and other constants"),
                        );
                        return None;
                    }
                }
            }
            _ => {
                self.err(
                    Diagnostic::error("not a constant expression")
                        .at(e.span, "a `const` value is made of literals and constants")
                        .help("constants may use `- ! | & ^ + - * << >>` on literals and other constants"),
                );
                return None;
            }
        })
    }

    fn static_bytes(&mut self, s: &ast::StaticDef) -> Vec<u8> {
        let (ety, size) = match &s.ty.ty {
            TyAst::Array(..) => match self.array_ty(&s.ty) {
                Some(x) => x,
                None => return Vec::new(),
            },
            TyAst::Scalar(_) => match self.ty(&s.ty) {
                Some(Ty::Fn) => {
                    self.err(Diagnostic::error("a static cannot hold a `fn`").at(s.ty.span, "type"));
                    return Vec::new();
                }
                Some(t) => (t, t.size() as u64),
                None => return Vec::new(),
            },
        };
        let mut bytes = vec![0u8; size as usize];
        let is_array = matches!(s.ty.ty, TyAst::Array(..));
        match &s.init {
            None => {}
            Some(Init::Int(v, span)) if !is_array => {
                if ety == Ty::Ptr || !ety.fits(*v) && ety != Ty::Bool {
                    self.err(Diagnostic::error(format!("literal out of range for `{}`", ety.name())).at(*span, "this value"));
                } else if ety == Ty::Bool && !(0..=1).contains(v) {
                    self.err(Diagnostic::error("a bool static is initialised with 0 or 1").at(*span, "this value"));
                } else {
                    bytes.copy_from_slice(&(*v as u64).to_le_bytes()[..size as usize]);
                }
            }
            Some(Init::Str(b, span)) if is_array && ety.size() == 1 => {
                if b.len() as u64 > size {
                    self.err(
                        Diagnostic::error(format!("string of {} bytes does not fit in {} bytes", b.len(), size)).at(*span, "initialiser"),
                    );
                } else {
                    bytes[..b.len()].copy_from_slice(b);
                }
            }
            Some(Init::List(items, span)) if is_array => {
                let n = size / ety.size() as u64;
                if items.len() as u64 > n {
                    self.err(
                        Diagnostic::error(format!("{} elements do not fit in an array of {}", items.len(), n)).at(*span, "initialiser"),
                    );
                }
                for (i, (v, vspan)) in items.iter().enumerate().take(n as usize) {
                    if !ety.fits(*v) {
                        self.err(Diagnostic::error(format!("literal out of range for `{}`", ety.name())).at(*vspan, "this element"));
                        continue;
                    }
                    let w = ety.size() as usize;
                    bytes[i * w..(i + 1) * w].copy_from_slice(&(*v as u64).to_le_bytes()[..w]);
                }
            }
            Some(init) => {
                let span = match init {
                    Init::Int(_, s) | Init::Str(_, s) | Init::List(_, s) => *s,
                };
                self.err(
                    Diagnostic::error("this initialiser does not match the static's type")
                        .at(span, "initialiser")
                        .help("scalars take an integer, [u8; N] a string, arrays a [list]"),
                );
            }
        }
        bytes
    }
}

#[derive(Clone, Copy)]
enum LocalKind {
    Scalar(Ty),
    Array,
}

#[derive(Clone, Copy)]
struct LocalInfo {
    slot: Slot,
    kind: LocalKind,
    span: Span,
}

/// A lowered operand: a register or a constant, with its type.
#[derive(Clone, Copy, Debug)]
enum Val {
    Reg(Slot),
    Imm(u64),
}

/// An error was already reported; stop lowering this statement.
struct Reported;
type LResult<T> = Result<T, Reported>;

/// Per-function state.
struct FnCx<'a, 'r> {
    cx: &'a mut Cx<'r>,
    fn_name: String,
    locals: FxHashMap<String, LocalInfo>,
    blocks: FxHashMap<String, u32>,
    code: Vec<Inst>,
    spans: Vec<Span>,
    calls: Vec<CallSite>,
    switches: Vec<SwitchTable>,
    arrays: Vec<ArrayLocal>,
    array_slots: Vec<Slot>,
    ret: Option<Ty>,
    n_named: u32,
    next_temp: u32,
    frame_size: u32,
    cur_span: Span,
}

impl<'a, 'r> FnCx<'a, 'r> {
    fn lower(cx: &'a mut Cx<'r>, f: &ast::FnDef, index: u32) -> Option<Function> {
        let errors_before = cx.diags.len();
        let (params, ret) = cx.fn_sigs[index as usize].clone();
        let mut fx = FnCx {
            cx,
            fn_name: f.name.name.clone(),
            locals: FxHashMap::default(),
            blocks: FxHashMap::default(),
            code: Vec::new(),
            spans: Vec::new(),
            calls: Vec::new(),
            switches: Vec::new(),
            arrays: Vec::new(),
            array_slots: Vec::new(),
            ret,
            n_named: 0,
            next_temp: 0,
            frame_size: 0,
            cur_span: f.span,
        };
        for ((name, tnode), ty) in f.params.iter().zip(&params) {
            if matches!(tnode.ty, TyAst::Array(..)) {
                // Already reported by `Cx::ty`.
                continue;
            }
            fx.declare(name, LocalKind::Scalar(*ty), tnode.span);
        }
        for l in &f.locals {
            match &l.ty.ty {
                TyAst::Array(..) => {
                    // Declared even when its type is wrong, so that uses do not cascade into
                    // "unknown local" errors.
                    let size = fx.cx.array_ty(&l.ty).map_or(0, |(_, size)| size);
                    if let Some(slot) = fx.declare(&l.name, LocalKind::Array, l.span) {
                        fx.arrays.push(ArrayLocal {
                            names: std::sync::Arc::new(crate::memory::LocalName {
                                func: fx.fn_name.as_str().into(),
                                name: l.name.name.as_str().into(),
                            }),
                            size,
                            span: l.span,
                        });
                        fx.array_slots.push(slot);
                    }
                    if let Some(init) = &l.init {
                        fx.cx.err(Diagnostic::error("array locals cannot have an initialiser").at(init.span, "they start zeroed"));
                    }
                }
                TyAst::Scalar(_) => {
                    if let Some(ty) = fx.cx.ty(&l.ty) {
                        fx.declare(&l.name, LocalKind::Scalar(ty), l.span);
                    }
                }
            }
        }
        fx.n_named = fx.locals.len() as u32;
        fx.next_temp = fx.n_named;
        fx.frame_size = fx.n_named;
        // Prologue: allocate array locals, then run initialisers.
        for (i, slot) in fx.array_slots.clone().into_iter().enumerate() {
            let span = fx.arrays[i].span;
            fx.emit(Inst::AllocLocal { dst: slot, local: i as u32 }, span);
        }
        for l in &f.locals {
            if let (Some(init), Some(info)) = (&l.init, fx.locals.get(&l.name.name).copied()) {
                if let LocalKind::Scalar(ty) = info.kind {
                    fx.cur_span = l.span;
                    fx.next_temp = fx.n_named;
                    let _ = fx.expr_into(init, ty, info.slot);
                }
            }
        }
        // Blocks.
        for (i, b) in f.blocks.iter().enumerate() {
            if let Some(&prev) = fx.blocks.get(&b.label.name) {
                let prev_span = f.blocks[prev as usize].label.span;
                fx.cx.err(
                    Diagnostic::error(format!("block `{}` is defined more than once", b.label.name))
                        .at(b.label.span, "redefined here")
                        .also(prev_span, "first defined here"),
                );
            } else {
                fx.blocks.insert(b.label.name.clone(), i as u32);
            }
        }
        if f.blocks.is_empty() {
            fx.cx.err(Diagnostic::error(format!("function `{}` has no blocks", f.name.name)).at(f.name.span, "needs at least one block"));
            return None;
        }
        let mut block_pc = Vec::with_capacity(f.blocks.len());
        let mut succs: Vec<Vec<u32>> = Vec::with_capacity(f.blocks.len());
        for b in &f.blocks {
            block_pc.push(fx.code.len() as Pc);
            for s in &b.stmts {
                fx.cur_span = s.span;
                fx.next_temp = fx.n_named;
                let _ = fx.stmt(s);
            }
            fx.cur_span = b.term.span;
            fx.next_temp = fx.n_named;
            let cost = b.stmts.len() as u32 + 1;
            let mut targets = Vec::new();
            if fx.term(&b.term, cost, &mut targets).is_err() {
                // Keep the code well-formed for the patch pass.
                fx.emit(Inst::Unreachable { cost }, b.term.span);
            }
            succs.push(targets);
        }
        // Reachability, for warnings. An error may have cut an edge (a mistyped label, a call
        // that failed to check): then the warnings would only repeat it, so there are none.
        let has_error = fx.cx.diags[errors_before..].iter().any(|d| d.level == crate::diag::Level::Error);
        let mut seen = vec![false; f.blocks.len()];
        let mut stack = vec![0u32];
        while let Some(b) = stack.pop() {
            if std::mem::replace(&mut seen[b as usize], true) {
                continue;
            }
            stack.extend(succs[b as usize].iter().copied());
        }
        for (i, b) in f.blocks.iter().enumerate() {
            if !has_error && !seen[i] && fx.blocks.get(&b.label.name) == Some(&(i as u32)) {
                fx.cx.err(
                    Diagnostic::warning(format!("unreachable block `{}`", b.label.name))
                        .at(b.label.span, "no path from the function's entry leads here"),
                );
            }
        }
        if fx.cx.diags[errors_before..].iter().any(|d| d.level == crate::diag::Level::Error) {
            return None;
        }
        fx.patch(&block_pc);
        crate::ir::fuse_jumps(&mut fx.code);
        crate::ir::fuse_increments(&mut fx.code);
        let frame_size = fx.frame_size.max(1);
        let hot = crate::ir::hot_checked(&fx.code, frame_size);
        debug_assert!(hot, "the lowering made code the hot loop cannot run unchecked");
        Some(Function {
            name: fx.fn_name,
            params,
            ret,
            // At least one register, so that every call and return changes the stack's size and
            // the memory limit sees every frame (`Memory::resize_stack`).
            frame_size,
            code: fx.code,
            hot,
            spans: fx.spans,
            calls: fx.calls,
            switches: fx.switches,
            arrays: fx.arrays,
            array_slots: fx.array_slots,
            span: f.span,
        })
    }

    /// Rewrites block indices in jump targets into instruction indices.
    fn patch(&mut self, block_pc: &[Pc]) {
        let map = |t: &mut Pc| {
            if *t != NO_PC {
                *t = block_pc[*t as usize];
            }
        };
        for inst in &mut self.code {
            match inst {
                Inst::Jump { target, .. } => map(target),
                _ => inst.map_branch_targets(map),
            }
        }
        for s in &mut self.switches {
            for (_, t) in &mut s.cases {
                map(t);
            }
            map(&mut s.otherwise);
        }
        for c in &mut self.calls {
            map(&mut c.next);
        }
    }

    fn declare(&mut self, name: &ast::Ident, kind: LocalKind, span: Span) -> Option<Slot> {
        if let Some(prev) = self.locals.get(&name.name) {
            let prev = prev.span;
            self.cx.err(
                Diagnostic::error(format!("local `{}` is declared more than once", name.name))
                    .at(name.span, "redeclared here")
                    .also(prev, "first declared here"),
            );
            return None;
        }
        let slot = self.locals.len() as Slot;
        self.locals.insert(name.name.clone(), LocalInfo { slot, kind, span });
        Some(slot)
    }

    fn source_text(&self, span: Span) -> String {
        let text = self.cx.sources.slice(span);
        if text.is_empty() { "?" } else { text }.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn emit(&mut self, inst: Inst, span: Span) {
        self.code.push(inst);
        self.spans.push(span);
    }

    fn temp(&mut self) -> Slot {
        let t = self.next_temp;
        self.next_temp += 1;
        self.frame_size = self.frame_size.max(self.next_temp);
        t
    }

    fn err(&mut self, d: Diagnostic) -> Reported {
        self.cx.err(d);
        Reported
    }

    fn block_index(&mut self, label: &ast::Ident) -> LResult<u32> {
        match self.blocks.get(&label.name) {
            Some(&b) => Ok(b),
            None => {
                let d = Diagnostic::error(format!("unknown block `{}`", label.name))
                    .at(label.span, format!("no block `{}` in function `{}`", label.name, self.fn_name));
                let d = did_you_mean(d, &label.name, self.blocks.keys().map(String::as_str), "the block");
                Err(self.err(d))
            }
        }
    }

    fn scalar_local(&mut self, name: &ast::Ident) -> LResult<(Slot, Ty)> {
        match self.locals.get(&name.name).copied() {
            Some(LocalInfo { slot, kind: LocalKind::Scalar(ty), .. }) => Ok((slot, ty)),
            Some(LocalInfo { kind: LocalKind::Array, .. }) => Err(self.err(
                Diagnostic::error(format!("cannot assign to array local `{}`", name.name))
                    .at(name.span, "an array lives in memory")
                    .help(format!("write to it with `store.T &{} + OFFSET, VALUE;`", name.name)),
            )),
            None => Err(self.err(self.unknown_name(&name.name, name.span, "local"))),
        }
    }

    /// An unknown local (`what` = "local", where only a local may stand) or an unknown value
    /// (`what` = "name": a local, a function or a constant), with the closest known name.
    fn unknown_name(&self, name: &str, span: Span, what: &str) -> Diagnostic {
        let d = Diagnostic::error(format!("unknown {what} `{name}`")).at(span, format!("not a {what} of `{}`", self.fn_name));
        if self.cx.static_names.contains_key(name) {
            return d.help(format!("`{name}` is a static: take its address with `&{name}` and use `load`/`store`"));
        }
        let locals = self.locals.iter().filter(|(_, l)| matches!(l.kind, LocalKind::Scalar(_))).map(|(n, _)| n.as_str());
        if what == "local" {
            return did_you_mean(d, name, locals, "the local");
        }
        if let Some(s) = crate::front::suggest::similar(name, locals) {
            return d.help(format!("did you mean the local `{s}`?"));
        }
        if let Some(s) = crate::front::suggest::similar(name, self.cx.fns.keys().map(String::as_str)) {
            return d.help(format!("did you mean the function `{s}`?"));
        }
        let constants = self.cx.resolver.constant_names();
        if let Some(s) = crate::front::suggest::similar(name, constants.iter().copied()) {
            return d.help(format!("did you mean the constant `{s}`?"));
        }
        match crate::front::suggest::same_prefix(name, constants.iter().copied(), 8) {
            Some((prefix, family, total)) if total > family.len() => d.help(format!(
                "the constants that start with `{prefix}` include {} ({total} in all; docs/syscalls.md lists them)",
                quoted(&family)
            )),
            Some((prefix, family, _)) => d.help(format!("the constants that start with `{prefix}` are {}", quoted(&family))),
            None => d,
        }
    }

    fn mem_ty(&mut self, name: &ast::Ident) -> LResult<Ty> {
        match Ty::from_name(&name.name) {
            Some(t) if t != Ty::Fn => Ok(t),
            _ => Err(self.err(
                Diagnostic::error(format!("`{}` is not a type that can be loaded or stored", name.name))
                    .at(name.span, "expected i8..i64, u8..u64, bool or ptr"),
            )),
        }
    }

    // ---- statements -------------------------------------------------------------------------

    fn stmt(&mut self, s: &ast::Stmt) -> LResult<()> {
        match &s.kind {
            StmtKind::Assign { dst, value } => {
                let (slot, ty) = self.scalar_local(dst)?;
                self.expr_into(value, ty, slot)
            }
            StmtKind::Load { dst, ty, addr } => {
                let (slot, dty) = self.scalar_local(dst)?;
                let lty = self.mem_ty(ty)?;
                if !compatible(lty, dty) {
                    return Err(self.err(
                        Diagnostic::error(format!(
                            "mismatched types: `load.{}` produces a `{}`, but `{}` is a `{}`",
                            lty.name(),
                            lty.name(),
                            dst.name,
                            dty.name()
                        ))
                        .at(ty.span, format!("loads a `{}`", lty.name()))
                        .also(dst.span, format!("this is {}", a_ty(dty.name()))),
                    ));
                }
                let a = self.expr_reg(addr, Ty::Ptr)?;
                self.emit(
                    if dty.size() == 8 { Inst::Load64 { dst: slot, addr: a } } else { Inst::Load { ty: dty, dst: slot, addr: a } },
                    s.span,
                );
                Ok(())
            }
            StmtKind::Store { ty, addr, value } => {
                let sty = self.mem_ty(ty)?;
                let a = self.expr_reg(addr, Ty::Ptr)?;
                let vty = match self.infer(value)? {
                    Some(t) if compatible(sty, t) => t,
                    Some(t) => {
                        return Err(self.err(
                            Diagnostic::error(format!(
                                "mismatched types: `store.{}` needs a `{}`, found `{}`",
                                sty.name(),
                                sty.name(),
                                t.name()
                            ))
                            .at(value.span, format!("this is {}", a_ty(t.name()))),
                        ))
                    }
                    None => sty,
                };
                match self.expr(value, vty)? {
                    Val::Imm(v) => self.emit(Inst::StoreImm { ty: sty, addr: a, val: v }, s.span),
                    Val::Reg(r) if sty.size() == 8 => self.emit(Inst::Store64 { addr: a, val: r }, s.span),
                    Val::Reg(r) => self.emit(Inst::Store { ty: sty, addr: a, val: r }, s.span),
                }
                Ok(())
            }
            StmtKind::Assert { cond, msg } => {
                let msg = match msg {
                    Some(m) => format!("assertion failed: {}", String::from_utf8_lossy(m)),
                    // As Rust does: the condition's own text.
                    None => format!("assertion failed: {}", self.source_text(cond.span)),
                };
                let idx = self.cx.intern(msg);
                let c = self.expr_reg(cond, Ty::Bool)?;
                self.emit(Inst::Assert { cond: c, msg: idx }, s.span);
                Ok(())
            }
            StmtKind::Print { newline, fmt, fmt_span, args } => self.print(*newline, fmt, *fmt_span, args, s.span),
            StmtKind::Atomic { op, parts, dsts, args } => self.atomic(op, parts, dsts, args, s.span),
        }
    }

    fn ordering(&mut self, part: Option<&ast::Ident>, op: &ast::Ident, what: &str) -> LResult<Ordering> {
        let Some(p) = part else {
            return Err(self.err(
                Diagnostic::error(format!("`{}` needs {what}", op.name))
                    .at(op.span, "add `.relaxed`, `.acquire`, `.release`, `.acq_rel` or `.seq_cst`"),
            ));
        };
        match Ordering::from_name(&p.name) {
            Some(o) => Ok(o),
            None => Err(self.err(
                Diagnostic::error(format!("unknown memory ordering `{}`", p.name))
                    .at(p.span, "orderings: relaxed acquire release acq_rel seq_cst"),
            )),
        }
    }

    fn atomic(&mut self, op: &ast::Ident, parts: &[ast::Ident], dsts: &[ast::Ident], args: &[Expr], span: Span) -> LResult<()> {
        // `cas.lock…`: a lock's compare-and-swap (`Inst::CasLock`).
        let lock = op.name == "cas" && parts.first().is_some_and(|p| p.name == "lock");
        let parts = if lock { &parts[1..] } else { parts };
        let (n_parts, n_args) = match op.name.as_str() {
            "atomic_load" => (1, 1),
            "atomic_store" => (1, 2),
            "atomic_rmw" => (2, 2),
            "cas" => (2, 3),
            _ => (1, 0),
        };
        let bad_ord = |fx: &mut Self, o: Ordering, p: &ast::Ident, why: &str| -> Reported {
            fx.err(Diagnostic::error(format!("`{}` cannot have `{}` ordering", op.name, o.name())).at(p.span, why.to_string()))
        };
        if parts.len() < n_parts || parts.len() > n_parts + 1 {
            let form = match op.name.as_str() {
                "atomic_load" => "atomic_load.ORDERING[.TYPE] ADDRESS",
                "atomic_store" => "atomic_store.ORDERING[.TYPE] ADDRESS, VALUE",
                "atomic_rmw" => "atomic_rmw.OP.ORDERING[.TYPE] ADDRESS, VALUE",
                "cas" => "cas[.lock].SUCCESS.FAILURE[.TYPE] ADDRESS, EXPECTED, NEW",
                _ => "fence.ORDERING",
            };
            return Err(self.err(Diagnostic::error(format!("malformed `{}`", op.name)).at(op.span, format!("expected `{form}`"))));
        }
        if args.len() != n_args {
            return Err(self.err(
                Diagnostic::error(format!("`{}` takes {} operand{}, found {}", op.name, n_args, plural(n_args), args.len()))
                    .at(span, "wrong number of operands"),
            ));
        }
        // The type: explicit, else from the destination, else from the stored value.
        let explicit = match parts.get(n_parts) {
            Some(t) => Some(self.mem_ty(t)?),
            None => None,
        };
        let dst = match dsts.first() {
            Some(d) => Some(self.scalar_local(d)?),
            None => None,
        };
        let ty = match (explicit, dst) {
            (Some(t), _) => t,
            (None, Some((_, t))) => t,
            (None, None) if op.name == "atomic_store" => match self.infer(&args[1])? {
                Some(t) => t,
                None => {
                    return Err(self.err(
                        Diagnostic::error("the type of this atomic store is unknown")
                            .at(op.span, "add the type: `atomic_store.ORDERING.u64`"),
                    ))
                }
            },
            (None, None) => Ty::I64,
        };
        if op.name != "fence" && !(ty.is_int() || ty == Ty::Ptr) {
            return Err(self.err(
                Diagnostic::error(format!("atomics work on integers and pointers, not `{}`", ty.name())).at(op.span, "atomic operation"),
            ));
        }
        if let (Some(d), Some((_, dty))) = (dsts.first(), dst) {
            if !compatible(ty, dty) {
                return Err(self.err(
                    Diagnostic::error(format!(
                        "mismatched types: this atomic produces a `{}`, but `{}` is a `{}`",
                        ty.name(),
                        d.name,
                        dty.name()
                    ))
                    .at(d.span, format!("this is {}", a_ty(dty.name())))
                    .also(op.span, "atomic operation"),
                ));
            }
        }
        match op.name.as_str() {
            "fence" => {
                let ord = self.ordering(parts.first(), op, "an ordering")?;
                if ord == Ordering::Relaxed {
                    return Err(bad_ord(self, ord, &parts[0], "a relaxed fence does nothing; use acquire, release, acq_rel or seq_cst"));
                }
                self.emit(Inst::Fence { ord }, span);
            }
            "atomic_load" => {
                let ord = self.ordering(parts.first(), op, "an ordering")?;
                if matches!(ord, Ordering::Release | Ordering::AcqRel) {
                    return Err(bad_ord(self, ord, &parts[0], "a load can be relaxed, acquire or seq_cst"));
                }
                let Some((dst, dty)) = dst else {
                    return Err(self.err(Diagnostic::error("`atomic_load` needs a destination").at(span, "write `x = atomic_load...`")));
                };
                let addr = self.expr_reg(&args[0], Ty::Ptr)?;
                self.emit(Inst::AtomicLoad { ty: dty, dst, addr, ord }, span);
            }
            "atomic_store" => {
                let ord = self.ordering(parts.first(), op, "an ordering")?;
                if matches!(ord, Ordering::Acquire | Ordering::AcqRel) {
                    return Err(bad_ord(self, ord, &parts[0], "a store can be relaxed, release or seq_cst"));
                }
                let addr = self.expr_reg(&args[0], Ty::Ptr)?;
                let vty = self.infer(&args[1])?.filter(|t| compatible(ty, *t)).unwrap_or(ty);
                let val = self.expr_reg(&args[1], vty)?;
                self.emit(Inst::AtomicStore { ty, addr, val, ord }, span);
            }
            "atomic_rmw" => {
                let Some(rop) = RmwOp::from_name(&parts[0].name) else {
                    return Err(self.err(
                        Diagnostic::error(format!("unknown read-modify-write operation `{}`", parts[0].name))
                            .at(parts[0].span, "operations: add sub and or xor xchg max min"),
                    ));
                };
                let ord = self.ordering(parts.get(1), op, "an ordering")?;
                let Some((dst, dty)) = dst else {
                    return Err(self.err(
                        Diagnostic::error("`atomic_rmw` needs a destination for the old value").at(span, "write `old = atomic_rmw...`"),
                    ));
                };
                let addr = self.expr_reg(&args[0], Ty::Ptr)?;
                let val = self.expr_reg(&args[1], dty)?;
                self.emit(Inst::AtomicRmw { op: rop, ty: dty, dst, addr, val, ord }, span);
            }
            _ => {
                let succ = self.ordering(parts.first(), op, "a success ordering")?;
                let fail = self.ordering(parts.get(1), op, "a failure ordering")?;
                if matches!(fail, Ordering::Release | Ordering::AcqRel) {
                    return Err(bad_ord(self, fail, &parts[1], "a failed cas is a load: its ordering can be relaxed, acquire or seq_cst"));
                }
                if fail.rank() > succ.rank() || fail == Ordering::Acquire && succ == Ordering::Release {
                    return Err(self.err(
                        Diagnostic::error(format!(
                            "the failure ordering `{}` is stronger than the success ordering `{}`",
                            fail.name(),
                            succ.name()
                        ))
                        .at(parts[1].span, "failure ordering"),
                    ));
                }
                let Some((dst, dty)) = dst else {
                    return Err(self.err(
                        Diagnostic::error("`cas` needs a destination for the old value")
                            .at(span, "write `old = cas...` or `old, ok = cas...`"),
                    ));
                };
                let ok = match dsts.get(1) {
                    Some(d) => match self.scalar_local(d)? {
                        (s, Ty::Bool) => s,
                        (_, t) => {
                            return Err(self.err(
                                Diagnostic::error(format!("the success flag of `cas` is a `bool`, but `{}` is a `{}`", d.name, t.name()))
                                    .at(d.span, "declare it `bool`"),
                            ))
                        }
                    },
                    None => NO_SLOT,
                };
                let addr = self.expr_reg(&args[0], Ty::Ptr)?;
                let expected = self.expr_reg(&args[1], dty)?;
                let new = self.expr_reg(&args[2], dty)?;
                let op = CasOp { ty: dty, dst, ok, addr, expected, new, succ, fail };
                self.emit(if lock { Inst::CasLock(op) } else { Inst::Cas(op) }, span);
            }
        }
        Ok(())
    }

    fn print(&mut self, newline: bool, fmt: &[u8], fmt_span: Span, args: &[Expr], span: Span) -> LResult<()> {
        let mut pieces = Vec::new();
        let mut lit = Vec::new();
        let mut specs = Vec::new();
        let mut i = 0;
        while i < fmt.len() {
            match (fmt[i], fmt.get(i + 1)) {
                (b'{', Some(b'{')) | (b'}', Some(b'}')) => {
                    lit.push(fmt[i]);
                    i += 2;
                }
                (b'{', _) => {
                    let close = fmt[i..].iter().position(|&c| c == b'}').map(|p| i + p);
                    let Some(close) = close else {
                        return Err(self.err(
                            Diagnostic::error("unclosed `{` in format string")
                                .at(fmt_span, "format string")
                                .help("write `{{` for a literal brace"),
                        ));
                    };
                    let style = match &fmt[i + 1..close] {
                        b"" => FmtStyle::Display,
                        b":x" => FmtStyle::Hex,
                        b":#x" => FmtStyle::AltHex,
                        other => {
                            return Err(self.err(
                                Diagnostic::error(format!("unknown format `{{{}}}`", String::from_utf8_lossy(other)))
                                    .at(fmt_span, "format string")
                                    .help("formats: {} {:x} {:#x}"),
                            ))
                        }
                    };
                    if !lit.is_empty() {
                        pieces.push(FmtPiece::Lit(std::mem::take(&mut lit)));
                    }
                    specs.push((pieces.len(), style));
                    pieces.push(FmtPiece::Lit(Vec::new()));
                    i = close + 1;
                }
                (b'}', _) => {
                    return Err(self.err(
                        Diagnostic::error("unmatched `}` in format string")
                            .at(fmt_span, "format string")
                            .help("write `}}` for a literal brace"),
                    ))
                }
                (c, _) => {
                    lit.push(c);
                    i += 1;
                }
            }
        }
        if newline {
            lit.push(b'\n');
        }
        if !lit.is_empty() {
            pieces.push(FmtPiece::Lit(lit));
        }
        if specs.len() != args.len() {
            return Err(self.err(
                Diagnostic::error(format!(
                    "the format string has {} placeholder{} but {} argument{} {} given",
                    specs.len(),
                    plural(specs.len()),
                    args.len(),
                    plural(args.len()),
                    were(args.len())
                ))
                .at(span, "in this print"),
            ));
        }
        for ((at, style), arg) in specs.into_iter().zip(args) {
            let ty = self.infer(arg)?.unwrap_or(Ty::I64);
            let slot = self.expr_reg(arg, ty)?;
            pieces[at] = FmtPiece::Arg { slot, ty, style };
        }
        self.cx.formats.push(pieces);
        let fmt = self.cx.formats.len() as u32 - 1;
        self.emit(Inst::Print { fmt }, span);
        Ok(())
    }

    // ---- terminators ------------------------------------------------------------------------

    fn term(&mut self, t: &ast::Term, cost: u32, targets: &mut Vec<u32>) -> LResult<()> {
        let span = t.span;
        match &t.kind {
            TermKind::Goto(l) => {
                let b = self.block_index(l)?;
                targets.push(b);
                self.emit(Inst::Jump { target: b, cost }, span);
            }
            TermKind::Unreachable => self.emit(Inst::Unreachable { cost }, span),
            TermKind::Return(e) => match (e, self.ret) {
                (Some(e), Some(ty)) => {
                    let r = self.expr_reg(e, ty)?;
                    self.emit(Inst::Return { val: r, cost }, span);
                }
                (None, None) => self.emit(Inst::Return { val: NO_SLOT, cost }, span),
                (Some(e), None) => {
                    return Err(self.err(
                        Diagnostic::error(format!("function `{}` returns nothing, but a value is returned", self.fn_name))
                            .at(e.span, "remove this value, or declare a return type"),
                    ))
                }
                (None, Some(ty)) => {
                    return Err(self.err(
                        Diagnostic::error(format!("function `{}` returns `{}`, but no value is returned", self.fn_name, ty.name()))
                            .at(span, "needs `return VALUE;`"),
                    ))
                }
            },
            TermKind::Switch { value, arms, otherwise } => self.switch(value, arms, otherwise.as_ref(), cost, span, targets)?,
            TermKind::Call { dst, func, args, target } => self.call(dst.as_ref(), func, args, target.as_ref(), cost, span, targets)?,
        }
        Ok(())
    }

    fn switch(
        &mut self,
        value: &Expr,
        arms: &[(SwitchPat, Span, ast::Ident)],
        otherwise: Option<&ast::Ident>,
        cost: u32,
        span: Span,
        targets: &mut Vec<u32>,
    ) -> LResult<()> {
        let ty = self.infer(value)?.unwrap_or(Ty::I64);
        if !(ty.is_int() || ty == Ty::Bool) {
            return Err(
                self.err(Diagnostic::error(format!("cannot switch on a `{}`", ty.name())).at(value.span, "switch on an integer or a bool"))
            );
        }
        let mut cases: Vec<(u64, Pc)> = Vec::new();
        let mut seen: FxHashMap<u64, Span> = FxHashMap::default();
        for (pat, pspan, label) in arms {
            let v = match (pat, ty) {
                (SwitchPat::Bool(b), Ty::Bool) => *b as u64,
                (SwitchPat::Int(v), t) if t.is_int() => {
                    if !t.fits(*v) {
                        return Err(
                            self.err(Diagnostic::error(format!("switch value {v} does not fit in `{}`", t.name())).at(*pspan, "this arm"))
                        );
                    }
                    t.normalize(*v as u64)
                }
                _ => {
                    return Err(self.err(Diagnostic::error(format!("this pattern does not match a `{}`", ty.name())).at(*pspan, "pattern")))
                }
            };
            if let Some(prev) = seen.insert(v, *pspan) {
                return Err(
                    self.err(Diagnostic::error("a value appears in two switch arms").at(*pspan, "repeated here").also(prev, "first here"))
                );
            }
            let b = self.block_index(label)?;
            targets.push(b);
            cases.push((v, b));
        }
        let covers_bool = ty == Ty::Bool && seen.len() == 2;
        let other = match otherwise {
            Some(l) => {
                let b = self.block_index(l)?;
                targets.push(b);
                b
            }
            None if covers_bool => NO_PC,
            None => {
                return Err(self.err(
                    Diagnostic::error("this switch needs an otherwise arm")
                        .at(span, "add `_ => LABEL`")
                        .help("only a switch on a bool with both `true` and `false` arms may leave it out"),
                ))
            }
        };
        cases.sort_by_key(|c| c.0);
        // Two-way switches become branches, fused with the comparison when there is one.
        let two_way = if ty == Ty::Bool {
            let t = cases.iter().find(|c| c.0 == 1).map(|c| c.1).unwrap_or(other);
            let f = cases.iter().find(|c| c.0 == 0).map(|c| c.1).unwrap_or(other);
            Some((None, t, f))
        } else if cases.len() == 1 {
            Some((Some(cases[0].0), cases[0].1, other))
        } else {
            None
        };
        match two_way {
            Some((None, t, f)) => {
                if let ExprKind::Binary(op, a, b) = &value.kind {
                    if op.is_cmp() {
                        let (cop, va, vb) = self.cmp_operands(*op, a, b)?;
                        match (va, vb) {
                            (Val::Reg(a), Val::Reg(b)) => self.emit(Inst::br_cmp(cop, a, b, t, f, cost), span),
                            (Val::Reg(a), Val::Imm(imm)) => self.emit(Inst::br_cmp_imm(cop, a, imm, t, f, cost), span),
                            (Val::Imm(x), Val::Imm(y)) => self.emit(Inst::Jump { target: if cop.eval(x, y) { t } else { f }, cost }, span),
                            (Val::Imm(_), Val::Reg(_)) => unreachable_operands(),
                        }
                        return Ok(());
                    }
                }
                match self.expr(value, Ty::Bool)? {
                    Val::Reg(c) => self.emit(Inst::Branch { cond: c, t, f, cost, at: NO_PC }, span),
                    Val::Imm(v) => self.emit(Inst::Jump { target: if v != 0 { t } else { f }, cost }, span),
                }
            }
            Some((Some(v), t, f)) => match self.expr(value, ty)? {
                Val::Reg(a) => self.emit(Inst::br_cmp_imm(CmpOp::Eq, a, v, t, f, cost), span),
                Val::Imm(x) => self.emit(Inst::Jump { target: if x == v { t } else { f }, cost }, span),
            },
            None => {
                let val = self.expr_reg(value, ty)?;
                self.switches.push(SwitchTable { cases, otherwise: other });
                let table = self.switches.len() as u32 - 1;
                self.emit(Inst::Switch { val, table, cost }, span);
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        dst: Option<&ast::Ident>,
        func: &ast::Ident,
        args: &[Expr],
        target: Option<&ast::Ident>,
        cost: u32,
        span: Span,
        targets: &mut Vec<u32>,
    ) -> LResult<()> {
        let next = match target {
            Some(l) => {
                let b = self.block_index(l)?;
                targets.push(b);
                b
            }
            None => NO_PC,
        };
        let dst = match dst {
            Some(d) => Some((d, self.scalar_local(d)?)),
            None => None,
        };
        let (dst_slot, dst_ty) = dst.map_or((NO_SLOT, Ty::I64), |(_, (s, t))| (s, t));
        if let Some(&fidx) = self.cx.fns.get(&func.name) {
            if target.is_none() && self.cx.fn_returns[fidx as usize] {
                return Err(self.err(self.no_return_block(func, span, "it has a `return`")));
            }
            let (params, ret) = self.cx.fn_sigs[fidx as usize].clone();
            if params.len() != args.len() {
                return Err(self.err(
                    Diagnostic::error(format!(
                        "function `{}` takes {} argument{} but {} {} given",
                        func.name,
                        params.len(),
                        plural(params.len()),
                        args.len(),
                        were(args.len())
                    ))
                    .at(func.span, "wrong number of arguments"),
                ));
            }
            if let Some((d, (_, dty))) = dst {
                match ret {
                    None => {
                        return Err(self.err(
                            Diagnostic::error(format!("function `{}` returns nothing", func.name))
                                .at(d.span, "there is no value to assign"),
                        ))
                    }
                    Some(r) if r != dty => {
                        return Err(self.err(
                            Diagnostic::error(format!(
                                "mismatched types: `{}` returns `{}`, but `{}` is a `{}`",
                                func.name,
                                r.name(),
                                d.name,
                                dty.name()
                            ))
                            .at(d.span, format!("this is {}", a_ty(dty.name()))),
                        ))
                    }
                    _ => {}
                }
            }
            let mut lowered = Vec::with_capacity(args.len());
            for (a, &pty) in args.iter().zip(&params) {
                lowered.push(match self.expr(a, pty)? {
                    Val::Reg(r) => Arg::Reg(r),
                    Val::Imm(v) => Arg::Imm(v),
                });
            }
            let name = self.cx.intern(func.name.clone());
            self.calls.push(CallSite { args: lowered, dst: dst_slot, dst_ty, next, name });
            let call = self.calls.len() as u32 - 1;
            self.emit(Inst::Call { func: fidx, call, cost }, span);
            return Ok(());
        }
        let sig = self.cx.resolver.foreign(&func.name);
        let unimplemented = if sig.is_none() { self.cx.resolver.unimplemented(&func.name) } else { None };
        if sig.is_none() && unimplemented.is_none() {
            let d = Diagnostic::error(format!("unknown function `{}`", func.name))
                .at(func.span, "neither a function of this program nor a foreign function of Spindle or Linux");
            let foreign = self.cx.resolver.foreign_names();
            let guest = self.cx.fns.keys().map(String::as_str);
            return Err(self.err(did_you_mean(d, &func.name, guest.chain(foreign.iter().copied()), "")));
        }
        let returns = sig.map_or(unimplemented, |s| Some(s.ret)) != Some(ForeignRet::Never);
        if target.is_none() && returns {
            return Err(self.err(self.no_return_block(func, span, "it returns")));
        }
        let mut lowered = Vec::with_capacity(args.len());
        for a in args {
            let ty = self.infer(a)?.unwrap_or(Ty::I64);
            lowered.push(match self.expr(a, ty)? {
                Val::Reg(r) => Arg::Reg(r),
                Val::Imm(v) => Arg::Imm(v),
            });
        }
        match sig {
            Some(sig) => {
                if !(sig.min_arity..=sig.arity).contains(&args.len()) {
                    let takes =
                        if sig.min_arity == sig.arity { sig.arity.to_string() } else { format!("{} to {}", sig.min_arity, sig.arity) };
                    return Err(self.err(
                        Diagnostic::error(format!(
                            "`{}` takes {takes} argument{} but {} {} given",
                            func.name,
                            plural(sig.arity),
                            args.len(),
                            were(args.len())
                        ))
                        .at(func.span, "wrong number of arguments"),
                    ));
                }
                if let Some((d, (_, dty))) = dst {
                    let ok = match sig.ret {
                        ForeignRet::Int => dty.is_int(),
                        ForeignRet::Ptr => dty == Ty::Ptr,
                        ForeignRet::Never => false,
                    };
                    if !ok {
                        let what = match sig.ret {
                            ForeignRet::Int => "an integer",
                            ForeignRet::Ptr => "a `ptr`",
                            ForeignRet::Never => "nothing (it does not return)",
                        };
                        return Err(self.err(
                            Diagnostic::error(format!(
                                "mismatched types: `{}` returns {what}, but `{}` is a `{}`",
                                func.name,
                                d.name,
                                dty.name()
                            ))
                            .at(d.span, format!("this is {}", a_ty(dty.name()))),
                        ));
                    }
                }
                let name = self.cx.intern(func.name.clone());
                self.calls.push(CallSite { args: lowered, dst: dst_slot, dst_ty, next, name });
                let call = self.calls.len() as u32 - 1;
                self.emit(Inst::CallForeign { id: sig.id, call, cost }, span);
            }
            None => {
                let d = Diagnostic::warning(format!("`{}` is a Linux function that Spindle does not implement", func.name))
                    .at(func.span, "not implemented by Spindle")
                    .note("running this call stops the program with an unsupported-operation error (docs/syscalls.md lists what is implemented)");
                let foreign = self.cx.resolver.foreign_names();
                self.cx.err(did_you_mean(d, &func.name, foreign.iter().copied(), ""));
                let name = self.cx.intern(func.name.clone());
                self.emit(Inst::CallUnknown { name, cost }, span);
            }
        }
        Ok(())
    }

    /// A call written without `-> LABEL` to a function that may return.
    fn no_return_block(&self, func: &ast::Ident, span: Span, why: &str) -> Diagnostic {
        Diagnostic::error(format!("the call of `{}` has no return block, but {why}", func.name))
            .at(span, "this call needs `-> LABEL`")
            .help(format!("name the block to continue at: `call {}(...) -> LABEL;`", func.name))
            .note("only calls that never return (`exit`, `abort`, a function without a `return`) may leave out the return block")
    }

    // ---- expressions ------------------------------------------------------------------------

    /// The type an expression has by itself, or `None` for literal-only expressions, which take
    /// the type their context asks for.
    fn infer(&mut self, e: &Expr) -> LResult<Option<Ty>> {
        Ok(match &e.kind {
            ExprKind::Int(_) => None,
            ExprKind::Bool(_) => Some(Ty::Bool),
            ExprKind::Null | ExprKind::AddrOf(_) | ExprKind::Str(_) => Some(Ty::Ptr),
            ExprKind::Name(n) => match self.locals.get(n).copied() {
                Some(LocalInfo { kind: LocalKind::Scalar(t), .. }) => Some(t),
                Some(LocalInfo { kind: LocalKind::Array, .. }) => Some(Ty::Ptr),
                None if self.cx.fns.contains_key(n) => Some(Ty::Fn),
                None => None,
            },
            ExprKind::Unary(_, inner) => self.infer(inner)?,
            ExprKind::Cast(_, t) => self.cx.ty(t),
            ExprKind::Binary(op, a, b) => {
                if op.is_cmp() {
                    Some(Ty::Bool)
                } else if matches!(op, BinOp::Shl | BinOp::Shr) {
                    self.infer(a)?
                } else {
                    match (self.infer(a)?, self.infer(b)?) {
                        (Some(Ty::Ptr), _) => Some(Ty::Ptr),
                        (Some(t), _) | (None, Some(t)) => Some(t),
                        (None, None) => None,
                    }
                }
            }
        })
    }

    /// Lowers `e` as a `ty` into a register (materialising constants into a temporary).
    fn expr_reg(&mut self, e: &Expr, ty: Ty) -> LResult<Slot> {
        match self.expr(e, ty)? {
            Val::Reg(r) => Ok(r),
            Val::Imm(v) => {
                let t = self.temp();
                self.emit(Inst::Const { dst: t, val: v }, e.span);
                Ok(t)
            }
        }
    }

    /// Lowers `e` as a `ty` directly into `dst`.
    fn expr_into(&mut self, e: &Expr, ty: Ty, dst: Slot) -> LResult<()> {
        let span = e.span;
        match self.expr_dst(e, ty, Some(dst))? {
            Val::Reg(r) if r == dst => {}
            Val::Reg(r) => self.emit(Inst::Copy { dst, src: r }, span),
            Val::Imm(v) => self.emit(Inst::Const { dst, val: v }, span),
        }
        Ok(())
    }

    fn expr(&mut self, e: &Expr, ty: Ty) -> LResult<Val> {
        self.expr_dst(e, ty, None)
    }

    fn mismatch(&mut self, e: &Expr, want: Ty, found: Ty) -> Reported {
        self.err(
            Diagnostic::error(format!("mismatched types: expected `{}`, found `{}`", want.name(), found.name()))
                .at(e.span, format!("this is {}", a_ty(found.name()))),
        )
    }

    fn literal(&mut self, v: i128, ty: Ty, span: Span) -> LResult<Val> {
        if !ty.is_int() {
            let help = if ty == Ty::Ptr { "use `null`, or convert an address with `as ptr`" } else { "use `true` or `false`" };
            return Err(self.err(
                Diagnostic::error(format!("mismatched types: expected `{}`, found an integer", ty.name()))
                    .at(span, "integer literal")
                    .help(help),
            ));
        }
        if !ty.fits(v) {
            return Err(self.err(
                Diagnostic::error(format!("literal out of range for `{}`", ty.name()))
                    .at(span, format!("`{}` holds {}..={}", ty.name(), min_of(ty), max_of(ty))),
            ));
        }
        Ok(Val::Imm(ty.normalize(v as u64)))
    }

    /// The destination a result goes to: the requested one, or a fresh temporary.
    fn dst_or_temp(&mut self, dst: Option<Slot>) -> Slot {
        dst.unwrap_or_else(|| self.temp())
    }

    fn expr_dst(&mut self, e: &Expr, ty: Ty, dst: Option<Slot>) -> LResult<Val> {
        match &e.kind {
            ExprKind::Int(v) => self.literal(*v as i128, ty, e.span),
            ExprKind::Bool(b) => match ty {
                Ty::Bool => Ok(Val::Imm(*b as u64)),
                _ => Err(self.mismatch(e, ty, Ty::Bool)),
            },
            ExprKind::Null => match ty {
                Ty::Ptr => Ok(Val::Imm(0)),
                _ => Err(self.mismatch(e, ty, Ty::Ptr)),
            },
            ExprKind::Str(bytes) => match ty {
                Ty::Ptr => Ok(Val::Imm(self.cx.string_literal(bytes, e.span))),
                _ => Err(self.mismatch(e, ty, Ty::Ptr)),
            },
            ExprKind::Name(n) => {
                if let Some(info) = self.locals.get(n).copied() {
                    return match info.kind {
                        LocalKind::Scalar(t) if t == ty => Ok(Val::Reg(info.slot)),
                        LocalKind::Scalar(t) => Err(self.mismatch(e, ty, t)),
                        LocalKind::Array => Err(self.err(
                            Diagnostic::error(format!("array local `{n}` used as a value"))
                                .at(e.span, "an array lives in memory")
                                .help(format!("take its address with `&{n}`")),
                        )),
                    };
                }
                if let Some(&f) = self.cx.fns.get(n) {
                    return match ty {
                        Ty::Fn => Ok(Val::Imm(Program::fn_value(f))),
                        _ => Err(self.mismatch(e, ty, Ty::Fn)),
                    };
                }
                if let Some(&v) = self.cx.consts.get(n) {
                    return self.literal(v, ty, e.span);
                }
                if let Some(v) = self.cx.resolver.constant(n) {
                    return self.literal(v as i64 as i128, ty, e.span);
                }
                Err(self.err(self.unknown_name(n, e.span, "name")))
            }
            ExprKind::AddrOf(name) => {
                if ty != Ty::Ptr {
                    return Err(self.mismatch(e, ty, Ty::Ptr));
                }
                match self.locals.get(&name.name).copied() {
                    Some(LocalInfo { slot, kind: LocalKind::Array, .. }) => return Ok(Val::Reg(slot)),
                    Some(_) => {
                        return Err(self.err(
                            Diagnostic::error(format!("`{}` is a scalar local and has no address", name.name))
                                .at(e.span, "scalar locals are registers")
                                .help(format!("declare it as an array, `let {}: [u64; 1];`, to put it in memory", name.name)),
                        ))
                    }
                    None => {}
                }
                match self.cx.static_names.get(&name.name) {
                    Some(&i) => Ok(Val::Imm(static_addr(i))),
                    None => {
                        let d = Diagnostic::error(format!("unknown static or array local `{}`", name.name))
                            .at(name.span, "cannot take the address of this");
                        let arrays = self.locals.iter().filter(|(_, l)| matches!(l.kind, LocalKind::Array)).map(|(n, _)| n.as_str());
                        let candidates = arrays.chain(self.cx.static_names.keys().map(String::as_str));
                        Err(self.err(did_you_mean(d, &name.name, candidates, "")))
                    }
                }
            }
            ExprKind::Unary(op, inner) => self.unary(*op, inner, e, ty, dst),
            ExprKind::Cast(inner, tnode) => {
                let Some(to) = self.cx.ty(tnode) else { return Err(Reported) };
                if to != ty {
                    return Err(self.mismatch(e, ty, to));
                }
                let from = self.infer(inner)?.unwrap_or(Ty::I64);
                let ok = (from.is_int() || from == Ty::Bool) && to.is_int()
                    || from == Ty::Ptr && matches!(to, Ty::U64 | Ty::I64)
                    || matches!(from, Ty::U64 | Ty::I64) && to == Ty::Ptr
                    || from == Ty::Fn && to == Ty::U64
                    || from == to;
                if !ok {
                    return Err(self.err(Diagnostic::error(format!("cannot cast `{}` to `{}`", from.name(), to.name())).at(e.span, "invalid cast").help("casts go between integer types, from bool to an integer, between ptr and u64/i64, and from fn to u64; compare with `!= 0` for a bool")));
                }
                // An unsuffixed literal that does not fit i64 is read as u64.
                let from = match (&inner.kind, self.infer(inner)?) {
                    (ExprKind::Int(v), None) if *v > i64::MAX as u64 => Ty::U64,
                    _ => from,
                };
                match self.expr(inner, from)? {
                    Val::Imm(v) => Ok(Val::Imm(cast_value(from, to, v))),
                    Val::Reg(r) => {
                        let d = self.dst_or_temp(dst);
                        self.emit(Inst::Cast { to: if to == Ty::Ptr { Ty::U64 } else { to }, dst: d, src: r }, e.span);
                        Ok(Val::Reg(d))
                    }
                }
            }
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, e, ty, dst),
        }
    }

    fn unary(&mut self, op: UnOp, inner: &Expr, e: &Expr, ty: Ty, dst: Option<Slot>) -> LResult<Val> {
        match op {
            UnOp::Neg => {
                if !ty.is_signed() {
                    return Err(self.err(
                        Diagnostic::error(format!("cannot negate a `{}`", ty.name())).at(e.span, "only signed integers can be negated"),
                    ));
                }
                if let ExprKind::Int(v) = inner.kind {
                    return self.literal(-(v as i128), ty, e.span);
                }
                match self.expr(inner, ty)? {
                    Val::Imm(v) => match ty.to_i128(v).checked_neg().filter(|&r| ty.fits(r)) {
                        Some(r) => Ok(Val::Imm(ty.normalize(r as u64))),
                        None => Err(self.err(Diagnostic::error("this negation overflows").at(e.span, "attempt to negate with overflow"))),
                    },
                    Val::Reg(r) => {
                        let d = self.dst_or_temp(dst);
                        self.emit(Inst::Neg { ty, dst: d, a: r }, e.span);
                        Ok(Val::Reg(d))
                    }
                }
            }
            UnOp::Not => {
                if !(ty.is_int() || ty == Ty::Bool) {
                    return Err(self.err(
                        Diagnostic::error(format!("cannot apply `!` to a `{}`", ty.name())).at(e.span, "`!` works on integers and bools"),
                    ));
                }
                match self.expr(inner, ty)? {
                    Val::Imm(v) => Ok(Val::Imm(ty.normalize(!v))),
                    Val::Reg(r) => {
                        let d = self.dst_or_temp(dst);
                        self.emit(Inst::Not { ty, dst: d, a: r }, e.span);
                        Ok(Val::Reg(d))
                    }
                }
            }
        }
    }

    /// Lowers both sides of a comparison; returns the operator and operands with any constant on
    /// the right.
    fn cmp_operands(&mut self, op: BinOp, a: &Expr, b: &Expr) -> LResult<(CmpOp, Val, Val)> {
        let ta = self.infer(a)?;
        let tb = self.infer(b)?;
        let ty = match (ta, tb) {
            (Some(x), Some(y)) if x != y => {
                return Err(self.err(
                    Diagnostic::error(format!("cannot compare `{}` with `{}`", x.name(), y.name()))
                        .at(a.span, format!("this is {}", a_ty(x.name())))
                        .also(b.span, format!("this is {}", a_ty(y.name()))),
                ));
            }
            (Some(x), _) | (None, Some(x)) => x,
            (None, None) => Ty::I64,
        };
        let ordered = !matches!(op, BinOp::Eq | BinOp::Ne);
        if ordered && !ty.is_int() || ty == Ty::Fn {
            return Err(self.err(
                Diagnostic::error(format!("`{}` cannot compare values of type `{}`", op.symbol(), ty.name()))
                    .at(a.span.to(b.span), "comparison"),
            ));
        }
        let va = self.expr(a, ty)?;
        let vb = self.expr(b, ty)?;
        let s = ty.is_signed();
        let (cop, swap) = match op {
            BinOp::Eq => (CmpOp::Eq, false),
            BinOp::Ne => (CmpOp::Ne, false),
            BinOp::Lt => (if s { CmpOp::LtS } else { CmpOp::LtU }, false),
            BinOp::Le => (if s { CmpOp::LeS } else { CmpOp::LeU }, false),
            BinOp::Gt => (if s { CmpOp::LtS } else { CmpOp::LtU }, true),
            BinOp::Ge => (if s { CmpOp::LeS } else { CmpOp::LeU }, true),
            _ => unreachable_operands(),
        };
        let (mut x, mut y) = if swap { (vb, va) } else { (va, vb) };
        if let (Val::Imm(_), Val::Reg(_)) = (x, y) {
            // Put the constant on the right: a < C stays, C < a becomes a > C, i.e. !(a <= C).
            match cop {
                CmpOp::Eq | CmpOp::Ne => std::mem::swap(&mut x, &mut y),
                _ => {
                    // Keep `imm op reg` with its own instruction form, via a temporary.
                    let Val::Imm(v) = x else { unreachable_operands() };
                    let t = self.temp();
                    self.emit(Inst::Const { dst: t, val: v }, a.span);
                    x = Val::Reg(t);
                }
            }
        }
        Ok((cop, x, y))
    }

    fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr, e: &Expr, ty: Ty, dst: Option<Slot>) -> LResult<Val> {
        if op.is_cmp() {
            if ty != Ty::Bool {
                return Err(self.mismatch(e, ty, Ty::Bool));
            }
            let (cop, x, y) = self.cmp_operands(op, a, b)?;
            return match (x, y) {
                (Val::Imm(x), Val::Imm(y)) => Ok(Val::Imm(cop.eval(x, y) as u64)),
                (Val::Reg(x), Val::Reg(y)) => {
                    let d = self.dst_or_temp(dst);
                    self.emit(Inst::Cmp { op: cop, dst: d, a: x, b: y }, e.span);
                    Ok(Val::Reg(d))
                }
                (Val::Reg(x), Val::Imm(imm)) => {
                    let d = self.dst_or_temp(dst);
                    self.emit(Inst::CmpImm { op: cop, dst: d, a: x, imm }, e.span);
                    Ok(Val::Reg(d))
                }
                (Val::Imm(imm), Val::Reg(y)) => {
                    let d = self.dst_or_temp(dst);
                    self.emit(Inst::CmpImmL { op: cop, dst: d, imm, b: y }, e.span);
                    Ok(Val::Reg(d))
                }
            };
        }
        if ty == Ty::Ptr {
            let neg = match op {
                BinOp::Add | BinOp::WAdd => false,
                BinOp::Sub | BinOp::WSub => true,
                _ => {
                    return Err(self.err(
                        Diagnostic::error(format!("`{}` does not apply to pointers", op.symbol()))
                            .at(e.span, "pointers support `+` and `-` with an integer offset"),
                    ))
                }
            };
            let p = self.expr(a, Ty::Ptr)?;
            let oty = self.infer(b)?.unwrap_or(Ty::I64);
            if !oty.is_int() {
                return Err(
                    self.err(Diagnostic::error(format!("a pointer offset is an integer, not a `{}`", oty.name())).at(b.span, "offset"))
                );
            }
            let p = match p {
                Val::Reg(r) => r,
                Val::Imm(v) => {
                    let t = self.temp();
                    self.emit(Inst::Const { dst: t, val: v }, a.span);
                    t
                }
            };
            let off = match &b.kind {
                ExprKind::Int(v) if oty == Ty::I64 && *v > i64::MAX as u64 => {
                    return Err(self.err(Diagnostic::error("pointer offset out of range").at(b.span, "offsets are at most i64::MAX")))
                }
                _ => self.expr(b, oty)?,
            };
            let d = self.dst_or_temp(dst);
            match off {
                Val::Imm(v) => {
                    // The register pattern read as an i64: a huge unsigned offset moves backwards,
                    // and is then refused at run time if it spans 4 GiB or more.
                    let o = v as i64;
                    let o = if neg { o.wrapping_neg() } else { o };
                    self.emit(Inst::PtrAddImm { dst: d, p, off: o }, e.span);
                }
                Val::Reg(r) => self.emit(Inst::PtrAdd { dst: d, p, off: r, neg }, e.span),
            }
            return Ok(Val::Reg(d));
        }
        let aop = match op {
            BinOp::Add => ArithOp::Add,
            BinOp::Sub => ArithOp::Sub,
            BinOp::Mul => ArithOp::Mul,
            BinOp::WAdd => ArithOp::WAdd,
            BinOp::WSub => ArithOp::WSub,
            BinOp::WMul => ArithOp::WMul,
            BinOp::Div => ArithOp::Div,
            BinOp::Rem => ArithOp::Rem,
            BinOp::And => ArithOp::And,
            BinOp::Or => ArithOp::Or,
            BinOp::Xor => ArithOp::Xor,
            BinOp::Shl => ArithOp::Shl,
            BinOp::Shr => ArithOp::Shr,
            _ => unreachable_operands(),
        };
        let bitwise = matches!(aop, ArithOp::And | ArithOp::Or | ArithOp::Xor);
        if !(ty.is_int() || bitwise && ty == Ty::Bool) {
            return Err(self.err(
                Diagnostic::error(format!("`{}` cannot produce a `{}`", op.symbol(), ty.name()))
                    .at(e.span, format!("expected a `{}` here", ty.name())),
            ));
        }
        let va = self.expr(a, ty)?;
        let bty = if matches!(aop, ArithOp::Shl | ArithOp::Shr) {
            let t = self.infer(b)?.unwrap_or(Ty::U32);
            if !t.is_int() {
                return Err(
                    self.err(Diagnostic::error(format!("a shift amount is an integer, not a `{}`", t.name())).at(b.span, "shift amount"))
                );
            }
            t
        } else {
            ty
        };
        let vb = self.expr(b, bty)?;
        match (va, vb) {
            (Val::Imm(x), Val::Imm(y)) => match crate::interp::arith(aop, ty, x, y) {
                Ok(v) => Ok(Val::Imm(v)),
                Err(msg) => Err(self.err(Diagnostic::error("this constant expression fails").at(e.span, msg))),
            },
            (Val::Reg(x), Val::Reg(y)) => {
                let d = self.dst_or_temp(dst);
                let inst = match (aop, ty) {
                    (ArithOp::Add, Ty::I64) => Inst::AddI64 { dst: d, a: x, b: y },
                    (ArithOp::Sub, Ty::I64) => Inst::SubI64 { dst: d, a: x, b: y },
                    (ArithOp::WAdd, Ty::I64 | Ty::U64) => Inst::WAdd64 { dst: d, a: x, b: y },
                    _ => Inst::Arith { op: aop, ty, dst: d, a: x, b: y },
                };
                self.emit(inst, e.span);
                Ok(Val::Reg(d))
            }
            (Val::Reg(x), Val::Imm(imm)) => {
                let d = self.dst_or_temp(dst);
                let inst = match (aop, ty) {
                    (ArithOp::Add, Ty::I64) => Inst::AddImmI64 { dst: d, a: x, imm },
                    (ArithOp::Sub, Ty::I64) => Inst::SubImmI64 { dst: d, a: x, imm },
                    (ArithOp::WAdd, Ty::I64 | Ty::U64) => Inst::WAddImm64 { dst: d, a: x, imm },
                    (ArithOp::Mul, Ty::I64) => Inst::MulImmI64 { dst: d, a: x, imm },
                    (ArithOp::And, _) => Inst::AndImm { dst: d, a: x, imm },
                    _ => Inst::ArithImm { op: aop, ty, dst: d, a: x, imm },
                };
                self.emit(inst, e.span);
                Ok(Val::Reg(d))
            }
            (Val::Imm(imm), Val::Reg(y)) => {
                let d = self.dst_or_temp(dst);
                let commutative =
                    matches!(aop, ArithOp::Add | ArithOp::Mul | ArithOp::WAdd | ArithOp::WMul | ArithOp::And | ArithOp::Or | ArithOp::Xor);
                let inst = match (aop, ty) {
                    (ArithOp::Add, Ty::I64) => Inst::AddImmI64 { dst: d, a: y, imm },
                    (ArithOp::WAdd, Ty::I64 | Ty::U64) => Inst::WAddImm64 { dst: d, a: y, imm },
                    (ArithOp::Mul, Ty::I64) => Inst::MulImmI64 { dst: d, a: y, imm },
                    (ArithOp::And, _) => Inst::AndImm { dst: d, a: y, imm },
                    _ if commutative => Inst::ArithImm { op: aop, ty, dst: d, a: y, imm },
                    _ => Inst::ArithImmL { op: aop, ty, dst: d, imm, b: y },
                };
                self.emit(inst, e.span);
                Ok(Val::Reg(d))
            }
        }
    }
}

/// Integers of the same size are interchangeable for `load`/`store` (the bits are reinterpreted).
fn compatible(mem: Ty, reg: Ty) -> bool {
    mem == reg || mem.is_int() && reg.is_int() && mem.size() == reg.size()
}

fn cast_value(from: Ty, to: Ty, v: u64) -> u64 {
    // Registers are normalised by their type's signedness, so the 64-bit pattern already holds
    // the sign- or zero-extended value: truncating to the target and re-normalising is Rust's
    // `as`.
    let _ = from;
    if to == Ty::Ptr {
        v
    } else {
        to.normalize(v)
    }
}

/// Adds "did you mean `x`?" to `d` when one of `candidates` is close to `name` (`what` names the
/// kind of the suggestion: "the local", or "" to let the name speak for itself).
fn did_you_mean<'c>(d: Diagnostic, name: &str, candidates: impl IntoIterator<Item = &'c str>, what: &str) -> Diagnostic {
    match super::suggest::similar(name, candidates) {
        Some(s) if what.is_empty() => d.help(format!("did you mean `{s}`?")),
        Some(s) => d.help(format!("did you mean {what} `{s}`?")),
        None => d,
    }
}

/// `a`, `b` and `c`.
fn quoted(names: &[&str]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match q.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => q.join(""),
    }
}

fn were(n: usize) -> &'static str {
    if n == 1 {
        "was"
    } else {
        "were"
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn min_of(ty: Ty) -> i128 {
    if ty.is_signed() {
        -(1i128 << (ty.bits() - 1))
    } else {
        0
    }
}

fn max_of(ty: Ty) -> i128 {
    if ty.is_signed() {
        (1i128 << (ty.bits() - 1)) - 1
    } else {
        (1i128 << ty.bits()) - 1
    }
}

#[cold]
fn unreachable_operands() -> ! {
    // Only reachable through a lowering bug: each caller has already matched the operator kind.
    unreachable!("operator kind was checked by the caller")
}

/// "an `i32`", "a `u8`": the type's name with its article.
fn a_ty(name: &str) -> String {
    let article = if name.starts_with('i') || name == "fn" { "an" } else { "a" };
    format!("{article} `{name}`")
}
