//! Every rule, in one table ([`RULES`]: id, name, why), and the checks that find where a
//! Dockerfile breaks them, each finding with what to do instead.

use super::{BaseUser, Finding, Rule};
use crate::docker::reference::ImageRef;
use crate::dockerfile::{
    Dockerfile, Instruction, Stage, flag_value, leading_flags, looks_like_image, without_flags,
};
use crate::manifest::catalogue::is_root_user;

/// Every rule, defined in exactly this one place.
pub const RULES: &[Rule] = &[
    Rule {
        id: "CK001",
        name: "untagged-base",
        why: "an untagged image means `latest`, which changes under you: builds stop being repeatable and sizes drift",
    },
    Rule {
        id: "CK002",
        name: "latest-tag",
        why: "`latest` is whatever was pushed last: pin the version you tested",
    },
    Rule {
        id: "CK003",
        name: "shell-form-entrypoint",
        why: "shell form runs `/bin/sh -c`, which does not exist in distroless or scratch, and makes the shell PID 1 so signals never reach the program",
    },
    Rule {
        id: "CK004",
        name: "runs-as-root",
        why: "a process escaping a root container starts with root's privileges; the calculator needs none",
    },
    Rule {
        id: "CK005",
        name: "copy-from-unknown-stage",
        why: "`COPY --from` must name an earlier stage (or an image); otherwise the builder tries to pull an image of that name and fails",
    },
    Rule {
        id: "CK006",
        name: "install-recommends",
        why: "recommended packages are not needed to run anything and can double an image",
    },
    Rule {
        id: "CK007",
        name: "apt-lists-left",
        why: "the package lists (tens of MB) stay in the layer forever unless removed in the same RUN: a later RUN only hides them",
    },
    Rule {
        id: "CK008",
        name: "buildkit-only-syntax",
        why: "the legacy builder (what `docker build` without buildx uses) rejects it, and every variant must build with both builders",
    },
];

fn rule(id: &str) -> &'static Rule {
    RULES
        .iter()
        .find(|r| r.id == id)
        .expect("rule ids are defined in RULES")
}

fn finding(id: &str, line: usize, message: String) -> Finding {
    Finding {
        rule: rule(id),
        line,
        message,
    }
}

/// An image reference as (name, tag, digest).
pub(super) fn split_image(reference: &str) -> (&str, Option<&str>, Option<&str>) {
    let r = ImageRef::parse(reference);
    (r.name, r.tag, r.digest)
}

fn check_image_ref(reference: &str, line: usize, what: &str, out: &mut Vec<Finding>) {
    if reference.contains('$') {
        // An unresolved build arg: the builder decides; nothing to say statically.
        return;
    }
    let (name, tag, digest) = split_image(reference);
    match (tag, digest) {
        (None, None) => out.push(finding(
            "CK001",
            line,
            format!("{what} `{reference}` has no tag: write `{name}:<version>` (for example a Debian 13 tag such as `trixie-slim`)"),
        )),
        (Some(t), _) if t.eq_ignore_ascii_case("latest") => out.push(finding(
            "CK002",
            line,
            format!("{what} `{reference}` uses `latest`: replace it with the version you tested"),
        )),
        _ => {}
    }
}

pub(super) fn check_base(d: &Dockerfile, stage: &Stage, out: &mut Vec<Finding>) {
    if stage.base == "scratch" || d.stage_named(&stage.base, stage.index).is_some() {
        return;
    }
    check_image_ref(&stage.base, stage.line, "FROM", out);
}

pub(super) fn check_instruction(
    d: &Dockerfile,
    stage: &Stage,
    ins: &Instruction,
    out: &mut Vec<Finding>,
) {
    let flags = leading_flags(&ins.args);
    match ins.keyword.as_str() {
        "COPY" | "ADD" => {
            if let Some(from) = flag_value(&ins.args, "from") {
                if d.stage_named(&from, stage.index).is_some() {
                    // An earlier stage: fine.
                } else if let Some(later) = d.stage_named(&from, d.stages.len()) {
                    out.push(finding(
                        "CK005",
                        ins.line,
                        format!(
                            "`--from={from}` names stage {} (line {}), which is not earlier than this one: move that stage above this line",
                            later.index, later.line
                        ),
                    ));
                } else if looks_like_image(&from) {
                    check_image_ref(&from, ins.line, "COPY --from", out);
                } else {
                    let known: Vec<String> = d.stages[..stage.index]
                        .iter()
                        .filter_map(|s| s.alias.clone())
                        .collect();
                    out.push(finding(
                        "CK005",
                        ins.line,
                        format!(
                            "`--from={from}` names no earlier stage (earlier stages: {}): add `AS {from}` to the FROM of the stage you mean, or fix the name",
                            if known.is_empty() { "none named".to_string() } else { known.join(", ") }
                        ),
                    ));
                }
            }
            for (flag, _) in &flags {
                if matches!(
                    flag.as_str(),
                    "chmod" | "link" | "parents" | "exclude" | "checksum"
                ) {
                    out.push(finding(
                        "CK008",
                        ins.line,
                        format!("`{} --{flag}` needs BuildKit: set permissions with a RUN chmod in the build stage (or in the source tree) instead", ins.keyword),
                    ));
                }
            }
            if has_heredoc(&ins.args) {
                out.push(finding(
                    "CK008",
                    ins.line,
                    format!("a heredoc in {} needs BuildKit: put the content in a file in the build context and COPY it", ins.keyword),
                ));
            }
        }
        "RUN" => {
            for (flag, _) in &flags {
                out.push(finding(
                    "CK008",
                    ins.line,
                    format!("`RUN --{flag}` needs BuildKit: cache dependencies with layer order instead (copy the manifests, build the dependencies, then copy the sources)"),
                ));
            }
            if has_heredoc(&ins.args) {
                out.push(finding(
                    "CK008",
                    ins.line,
                    "a heredoc in RUN needs BuildKit: chain the commands with `&&` and `\\` line continuations".to_string(),
                ));
            }
            for segment in shell_segments(without_flags(&ins.args)) {
                if is_apt_install(segment) && !segment.contains("--no-install-recommends") {
                    out.push(finding(
                        "CK006",
                        ins.line,
                        "`apt-get install` without `--no-install-recommends`: add it right after `install`".to_string(),
                    ));
                }
            }
        }
        _ => {}
    }
}

pub(super) fn check_entrypoints(d: &Dockerfile, out: &mut Vec<Finding>) {
    for ins in &d.instructions {
        if ins.keyword != "ENTRYPOINT" && ins.keyword != "CMD" {
            continue;
        }
        let exec_form = serde_json::from_str::<Vec<String>>(&ins.args).is_ok();
        if !exec_form {
            let words: Vec<String> = ins
                .args
                .split_whitespace()
                .map(|w| format!("\"{}\"", w.trim_matches(|c| c == '"' || c == '\'')))
                .collect();
            out.push(finding(
                "CK003",
                ins.line,
                format!(
                    "{} is in shell form: write the JSON exec form, `{} [{}]` (double quotes, commas)",
                    ins.keyword,
                    ins.keyword,
                    words.join(", ")
                ),
            ));
        }
    }
}

pub(super) fn check_user(d: &Dockerfile, base_users: &[BaseUser], out: &mut Vec<Finding>) {
    let Some(final_stage) = d.final_stage() else {
        return;
    };
    // The USER in force is the last one along the chain of stages the image is built FROM.
    let chain = d.shipped_stages();
    let mut last_user: Option<&Instruction> = None;
    for idx in chain.iter().rev() {
        for ins in &d.stages[*idx].instructions {
            if ins.keyword == "USER" {
                last_user = Some(ins);
            }
        }
    }
    match last_user {
        Some(ins) if is_root_user(&ins.args) => out.push(finding(
            "CK004",
            ins.line,
            format!("the last USER is `{}`: switch to an unprivileged numeric user, such as `USER 65532:65532`, after the steps that need root", ins.args),
        )),
        Some(_) => {}
        None => {
            let origin = &d.stages[*chain.last().unwrap_or(&final_stage.index)];
            let (_, tag, _) = split_image(&origin.base);
            let base_is_nonroot = tag.is_some_and(|t| t.contains("nonroot"));
            let known = base_users.iter().find(|b| b.image == origin.base);
            let message = if origin.base.eq_ignore_ascii_case("scratch") {
                Some("the final stage sets no USER and starts from scratch, which has no user of its own, so the image runs as root: add `USER 65532:65532` (a numeric user works even without /etc/passwd)".to_string())
            } else if base_is_nonroot {
                None
            } else if let Some(b) = known {
                if b.user.is_empty() || is_root_user(&b.user) {
                    Some(format!("the final stage sets no USER and its base `{}` runs as root (its image sets {}): add `USER 65532:65532` (a numeric user works even without /etc/passwd)", origin.base, if b.user.is_empty() { "no USER".to_string() } else { format!("USER {}", b.user) }))
                } else {
                    None
                }
            } else {
                Some(format!("the last stage sets no USER; its base `{}` decides which user the image runs as (root, unless that image sets an unprivileged USER, which the Dockerfile alone cannot tell): add `USER 65532:65532` to make it certain", origin.base))
            };
            if let Some(message) = message {
                out.push(finding("CK004", final_stage.line, message));
            }
        }
    }
}

pub(super) fn check_apt_lists(d: &Dockerfile, out: &mut Vec<Finding>) {
    for idx in d.shipped_stages() {
        for ins in &d.stages[idx].instructions {
            if ins.keyword != "RUN" {
                continue;
            }
            let cmd = without_flags(&ins.args);
            let uses_apt = shell_segments(cmd)
                .iter()
                .any(|s| is_apt_install(s) || is_apt_command(s, "update"));
            let cleans = cmd.contains("rm ") && cmd.contains("/var/lib/apt/lists");
            if uses_apt && !cleans {
                out.push(finding(
                    "CK007",
                    ins.line,
                    "this RUN fills /var/lib/apt/lists in a shipped stage: end the same RUN with `&& rm -rf /var/lib/apt/lists/*`".to_string(),
                ));
            }
        }
    }
}

/// Splits a shell command on `&&`, `||`, `;` and `|` into simple commands.
fn shell_segments(cmd: &str) -> Vec<&str> {
    cmd.split(['&', '|', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn is_apt_command(segment: &str, sub: &str) -> bool {
    let mut words = segment.split_whitespace();
    let Some(first) = words.find(|w| !w.contains('=')) else {
        return false;
    };
    if first != "apt-get" && first != "apt" {
        return false;
    }
    words.find(|w| !w.starts_with('-')) == Some(sub)
}

fn is_apt_install(segment: &str) -> bool {
    is_apt_command(segment, "install")
}

/// `<<WORD`, `<<-WORD`, `<<"WORD"` (not the `<<<` here-string).
pub(super) fn has_heredoc(args: &str) -> bool {
    let bytes = args.as_bytes();
    let mut i = 0;
    while let Some(pos) = args[i..].find("<<") {
        let at = i + pos;
        let next = at + 2;
        let prev_is_lt = at > 0 && bytes[at - 1] == b'<';
        let mut j = next;
        if j < bytes.len() && bytes[j] == b'-' {
            j += 1;
        }
        if j < bytes.len() && (bytes[j] == b'"' || bytes[j] == b'\'') {
            j += 1;
        }
        let word_follows = j < bytes.len() && (bytes[j].is_ascii_alphabetic() || bytes[j] == b'_');
        if !prev_is_lt && bytes.get(next) != Some(&b'<') && word_follows {
            return true;
        }
        i = next;
    }
    false
}
