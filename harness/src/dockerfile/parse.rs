//! Reading Dockerfiles the way the builder does: line continuations, comments, stages and
//! their base images. The linter and the base-image check share this one reader, so they
//! cannot disagree about what a Dockerfile says.

use std::collections::HashMap;

/// One instruction, with continuations joined and comment lines inside them dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Instruction {
    /// 1-based line of the instruction's first line, for messages that point at it.
    pub line: usize,
    /// The keyword, upper-cased (`FROM`, `RUN`, ...).
    pub keyword: String,
    /// Everything after the keyword, continuations joined with a space.
    pub args: String,
}

/// A build stage: one FROM and the instructions up to the next.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// Position among the stages, as `COPY --from=<index>` counts them.
    pub index: usize,
    /// The FROM instruction's line.
    pub line: usize,
    /// The base as written after FROM (flags removed, build args expanded where known).
    pub base: String,
    /// The `AS` name, lower-cased as the builder compares them.
    pub alias: Option<String>,
    /// The stage's instructions after FROM.
    pub instructions: Vec<Instruction>,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq)]
pub struct Dockerfile {
    /// Every instruction in order, FROMs included.
    pub instructions: Vec<Instruction>,
    /// The stages in order.
    pub stages: Vec<Stage>,
}

impl Dockerfile {
    /// Parses Dockerfile text. Never fails: what cannot be understood is kept as written, so
    /// the linter can point at it rather than the reader giving up.
    pub fn parse(text: &str) -> Dockerfile {
        let instructions = split_instructions(text);
        let mut global_args: HashMap<String, String> = HashMap::new();
        let mut stages: Vec<Stage> = Vec::new();
        for ins in &instructions {
            if ins.keyword == "FROM" {
                let (base, alias) = parse_from(&ins.args, &global_args);
                stages.push(Stage {
                    index: stages.len(),
                    line: ins.line,
                    base,
                    alias,
                    instructions: Vec::new(),
                });
            } else if let Some(stage) = stages.last_mut() {
                stage.instructions.push(ins.clone());
            } else if ins.keyword == "ARG" {
                // ARGs before the first FROM parametrise FROM lines.
                for decl in ins.args.split_whitespace() {
                    let (k, v) = decl.split_once('=').unwrap_or((decl, ""));
                    global_args.insert(k.to_string(), unquote(v).to_string());
                }
            }
        }
        Dockerfile {
            instructions,
            stages,
        }
    }

    /// The stage an image is made of: the last one (the builder's default target).
    pub(crate) fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// Finds an earlier stage by `AS` name or index, as `FROM <stage>` and `COPY --from`
    /// refer to them.
    pub(crate) fn stage_named(&self, name: &str, before: usize) -> Option<&Stage> {
        let lower = name.to_ascii_lowercase();
        self.stages[..before.min(self.stages.len())]
            .iter()
            .find(|s| s.alias.as_deref() == Some(lower.as_str()) || s.index.to_string() == name)
    }

    /// The images this Dockerfile pulls in: FROM bases that are not earlier stages, not
    /// `scratch`, plus `COPY --from=<image>` sources. These must exist (or be pullable)
    /// before a build.
    pub(crate) fn external_images(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut push = |img: &str| {
            if !out.iter().any(|o| o == img) {
                out.push(img.to_string());
            }
        };
        for stage in &self.stages {
            if stage.base != "scratch" && self.stage_named(&stage.base, stage.index).is_none() {
                push(&stage.base);
            }
            for ins in &stage.instructions {
                if ins.keyword == "COPY"
                    && let Some(from) = flag_value(&ins.args, "from")
                    && self.stage_named(&from, stage.index).is_none()
                    && looks_like_image(&from)
                {
                    push(&from);
                }
            }
        }
        out
    }

    /// The stages whose files end up in the final image: the final stage and the stages it
    /// is built `FROM`, transitively. Hygiene that only matters for what ships (apt lists)
    /// is checked on these.
    pub(crate) fn shipped_stages(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut current = self.final_stage();
        while let Some(stage) = current {
            out.push(stage.index);
            current = self.stage_named(&stage.base, stage.index);
        }
        out
    }
}

/// Whether a `COPY --from` value names an image rather than a (missing) stage: images have a
/// registry, a path or a tag; a bare word is a stage name.
pub(crate) fn looks_like_image(s: &str) -> bool {
    s.contains(':') || s.contains('/') || s.contains('@')
}

/// The value of `--name=value` among an instruction's leading flags.
pub(crate) fn flag_value(args: &str, name: &str) -> Option<String> {
    leading_flags(args)
        .into_iter()
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// An instruction's leading `--flag[=value]` options, in order.
pub(crate) fn leading_flags(args: &str) -> Vec<(String, String)> {
    args.split_whitespace()
        .take_while(|w| w.starts_with("--"))
        .map(|w| {
            let w = &w[2..];
            let (k, v) = w.split_once('=').unwrap_or((w, ""));
            (k.to_ascii_lowercase(), unquote(v).to_string())
        })
        .collect()
}

/// Removes leading flags from instruction arguments.
pub(crate) fn without_flags(args: &str) -> &str {
    let mut rest = args.trim_start();
    while rest.starts_with("--") {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = rest[end..].trim_start();
    }
    rest
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

fn parse_from(args: &str, global_args: &HashMap<String, String>) -> (String, Option<String>) {
    let words: Vec<&str> = without_flags(args).split_whitespace().collect();
    let base = words
        .first()
        .map(|b| expand(b, global_args))
        .unwrap_or_default();
    let alias = match words.as_slice() {
        [_, as_kw, name, ..] if as_kw.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
        _ => None,
    };
    (base, alias)
}

/// Expands `$NAME` and `${NAME}` (and `${NAME:-default}`) from build-arg defaults, leaving
/// unknown references as written.
fn expand(s: &str, vars: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, default, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => {
                    let body = &inner[..end];
                    let (n, d) = match body.split_once(":-") {
                        Some((n, d)) => (n, Some(d)),
                        None => (body, None),
                    };
                    (n, d, end + 2)
                }
                None => ("", None, 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], None, end)
        };
        match vars
            .get(name)
            .filter(|v| !v.is_empty())
            .map(|v| v.as_str())
            .or(default)
        {
            Some(value) if !name.is_empty() => out.push_str(value),
            _ => {
                out.push('$');
                out.push_str(&after[..consumed]);
            }
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

/// Splits text into instructions: a trailing `\` continues the instruction on the next line,
/// and comment lines (first non-blank character `#`) are dropped, also inside a continuation,
/// as the builder does. Parser directives (`# syntax=`, `# escape=`) are comments here.
fn split_instructions(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let trimmed = raw.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        if trimmed.is_empty() {
            // Blank lines inside a continuation are skipped by the builder too.
            continue;
        }
        let (body, continues) = match trimmed.strip_suffix('\\') {
            Some(b) => (b.trim_end(), true),
            None => (trimmed, false),
        };
        match current.as_mut() {
            Some((_, acc)) => {
                acc.push(' ');
                acc.push_str(body);
            }
            None => current = Some((line_no, body.to_string())),
        }
        if !continues {
            let (line, text) = current.take().unwrap();
            out.push(make_instruction(line, &text));
        }
    }
    if let Some((line, text)) = current {
        out.push(make_instruction(line, &text));
    }
    out
}

fn make_instruction(line: usize, text: &str) -> Instruction {
    let text = text.trim();
    let (kw, args) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    Instruction {
        line,
        keyword: kw.to_ascii_uppercase(),
        args: args.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTI: &str = r#"# syntax=docker/dockerfile:1
ARG RUST_VERSION=1.95
FROM rust:${RUST_VERSION}-slim-trixie AS Builder
WORKDIR /src
# a comment between instructions
RUN apt-get update \
    # a comment inside a continuation
    && apt-get install -y --no-install-recommends musl-tools \
    && rm -rf /var/lib/apt/lists/*
COPY . .

FROM builder AS tested
RUN cargo test

FROM gcr.io/distroless/static-debian13:nonroot
COPY --from=builder /src/target/calculator /calculator
COPY --from=busybox:1.36 /bin/busybox /busybox
ENTRYPOINT ["/calculator"]
"#;

    #[test]
    fn continuations_and_comments() {
        let d = Dockerfile::parse(MULTI);
        let run = &d.instructions[3];
        assert_eq!(run.keyword, "RUN");
        assert_eq!(run.line, 6);
        assert_eq!(
            run.args,
            "apt-get update && apt-get install -y --no-install-recommends musl-tools && rm -rf /var/lib/apt/lists/*"
        );
        assert_eq!(d.instructions.last().unwrap().line, 18);
    }

    #[test]
    fn stages_and_bases() {
        let d = Dockerfile::parse(MULTI);
        assert_eq!(d.stages.len(), 3);
        assert_eq!(d.stages[0].base, "rust:1.95-slim-trixie");
        assert_eq!(d.stages[0].alias.as_deref(), Some("builder"));
        assert!(d.stage_named("Builder", 1).is_some());
        assert!(d.stage_named("0", 1).is_some());
        assert!(d.stage_named("builder", 0).is_none());
        assert_eq!(
            d.external_images(),
            vec![
                "rust:1.95-slim-trixie".to_string(),
                "gcr.io/distroless/static-debian13:nonroot".to_string(),
                "busybox:1.36".to_string()
            ]
        );
        assert_eq!(d.shipped_stages(), vec![2]);
    }

    #[test]
    fn scratch_and_stage_bases_are_not_external() {
        let d = Dockerfile::parse("FROM rust:1 AS b\nFROM b AS c\nFROM scratch\n");
        assert_eq!(d.external_images(), vec!["rust:1".to_string()]);
        let d = Dockerfile::parse("FROM rust:1 AS b\nFROM b\n");
        assert_eq!(d.shipped_stages(), vec![1, 0]);
    }

    #[test]
    fn flags() {
        assert_eq!(
            flag_value("--from=builder --chown=1:1 a b", "from").as_deref(),
            Some("builder")
        );
        assert_eq!(
            without_flags("--platform=$BUILDPLATFORM rust:1 AS b"),
            "rust:1 AS b"
        );
    }

    #[test]
    fn expansion() {
        let vars = HashMap::from([("V".to_string(), "1.95".to_string())]);
        assert_eq!(expand("rust:$V-slim", &vars), "rust:1.95-slim");
        assert_eq!(expand("rust:${W:-2}", &vars), "rust:2");
        assert_eq!(expand("rust:${W}", &vars), "rust:${W}");
    }
}
