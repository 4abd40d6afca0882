//! The container tests: every variant in docker/variants.toml is built once, then checked for
//! behaviour (the same transcript as the host binary, through arguments, stdin and a script
//! file, and the REPL on a TTY), size, structure and hardening.
//!
//! Each #[test] checks one property across every variant (so a new catalogue entry is tested
//! with no new code). All tests share one tokio runtime (a bollard client must not outlive the
//! runtime it was made on), one engine check, and one build per variant.
//!
//! `CALC_KIT_SKIP_DOCKER=1` skips them all, loudly.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, OnceLock};
use std::time::Duration;

mod common;

use common::{CATALOGUE, RUNTIME};
use harness::docker::engine::{self, Engine};
use harness::docker::run::{Run, TtySession, Waiting};
use harness::image::inspect::{ImageFacts, REQUIRED_LABELS};
use harness::manifest::catalogue::Variant;

/// The engine, connected once; `None` when the tests are skipped. A missing engine is
/// reported once, as one line, and every test then fails without a panic message of its own.
static ENGINE: LazyLock<Result<Option<Engine>, ()>> = LazyLock::new(|| {
    let engine = common::connect_or_skip("the container tests").map_err(|_| ())?;
    if let Some(engine) = &engine {
        let swept = RUNTIME
            .block_on(harness::docker::run::sweep(&engine.docker))
            .unwrap_or(0);
        if swept > 0 {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "removed {swept} container(s) left by an earlier run"
            );
        }
    }
    Ok(engine)
});

/// A test failure: a message for the test's output. Any error converts into it.
#[derive(Debug)]
struct Failed(String);

impl<E: std::fmt::Display> From<E> for Failed {
    fn from(e: E) -> Failed {
        Failed(e.to_string())
    }
}

type Shared<T> = tokio::sync::OnceCell<Result<T, String>>;

/// One build per variant per process; a failure is shared too, so every test of that variant
/// reports the same build error at once instead of rebuilding.
static BUILDS: LazyLock<HashMap<String, Shared<String>>> = LazyLock::new(|| {
    CATALOGUE
        .variants
        .iter()
        .map(|v| (v.name.clone(), Shared::new()))
        .collect()
});

/// One layer walk per variant per process.
static FACTS: LazyLock<HashMap<String, Shared<ImageFacts>>> = LazyLock::new(|| {
    CATALOGUE
        .variants
        .iter()
        .map(|v| (v.name.clone(), Shared::new()))
        .collect()
});

/// The transcript the lab's grader pipes in too (harness/lab/, built into the library).
const TRANSCRIPT: &str = "lab/transcript.calc";

/// A progress or measurement line on the real stderr: libtest captures `eprintln!` of passing
/// tests, and a silent build of several minutes looks like a hang.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    RUNTIME.block_on(f)
}

fn docker() -> &'static engine::Docker {
    &ENGINE
        .as_ref()
        .ok()
        .and_then(Option::as_ref)
        .expect("checked by each test")
        .docker
}

/// The image of `variant` (its id), built on first use.
async fn image(variant: &Variant) -> Result<String, Failed> {
    let cell = &BUILDS[&variant.name];
    let result = cell
        .get_or_init(|| async {
            let mut last_step = String::new();
            let mut progress = |event: harness::docker::build::BuildEvent| {
                if let harness::docker::build::BuildEvent::Step {
                    step,
                    total,
                    instruction,
                } = event
                {
                    last_step = format!("{step}/{total} {instruction}");
                    let short: String = last_step.chars().take(90).collect();
                    note!("    [build {}] {short}", variant.name);
                }
            };
            harness::docker::build::build_variant(docker(), &CATALOGUE, variant, &mut progress)
                .await
                .map(|built| {
                    note!(
                        "    [build {}] done in {} ({}/{} steps cached)",
                        variant.name,
                        harness::render::format::seconds(built.duration),
                        built.cached_steps,
                        built.steps
                    );
                    // The id, not the tag: another checkout building the same tag at the
                    // same time must not swap the image under this run's tests.
                    if built.id.is_empty() {
                        built.image
                    } else {
                        built.id
                    }
                })
                .map_err(|e| e.to_string())
        })
        .await;
    result.clone().map_err(Failed)
}

async fn facts(variant: &Variant) -> Result<ImageFacts, Failed> {
    let tag = image(variant).await?;
    let cell = &FACTS[&variant.name];
    cell.get_or_init(|| async {
        harness::image::inspect::inspect_image(docker(), &tag, false)
            .await
            .map_err(|e| e.to_string())
    })
    .await
    .clone()
    .map_err(Failed)
}

// ---- the host binary ---------------------------------------------------------------------

/// The calculator built on the host, the reference every container must match.
fn host_calculator() -> Result<PathBuf, Failed> {
    static HOST: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    HOST.get_or_init(|| {
        harness::host::build_calculator(&CATALOGUE.root, &target_dir().join("host-calculator"))
            .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(Failed)
}

fn target_dir() -> PathBuf {
    harness::manifest::catalogue::test_target_dir(&CATALOGUE.root)
}

fn host_run(args: &[String], stdin: Option<&[u8]>) -> Result<harness::docker::run::Output, Failed> {
    harness::host::run_calculator(&host_calculator()?, args, stdin.unwrap_or_default())
        .map(|run| harness::docker::run::Output {
            exit_code: run.exit_code(),
            stdout: run.output.stdout,
            stderr: run.output.stderr,
            elapsed: run.elapsed,
        })
        .map_err(|e| Failed(e.to_string()))
}

fn transcript_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(TRANSCRIPT)
}

fn transcript() -> String {
    std::fs::read_to_string(transcript_path()).expect("the transcript, harness/lab/transcript.calc")
}

/// The transcript as `-e` arguments: one per non-blank line, comments included.
fn transcript_args() -> Vec<String> {
    transcript()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .flat_map(|l| ["-e".to_string(), l.to_string()])
        .collect()
}

/// Host and container must agree byte for byte on stdout, line for line on stderr, and on
/// the exit status.
fn same(
    how: &str,
    host: &harness::docker::run::Output,
    container: &harness::docker::run::Output,
) -> Result<(), Failed> {
    let mut problems = Vec::new();
    if host.stdout != container.stdout {
        problems.push(format!(
            "stdout differs\n--- host ---\n{}--- container ---\n{}",
            host.stdout_text(),
            container.stdout_text()
        ));
    }
    let lines = |o: &harness::docker::run::Output| {
        o.stderr_text()
            .lines()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    if lines(host) != lines(container) {
        problems.push(format!(
            "stderr differs\n--- host ---\n{}--- container ---\n{}",
            host.stderr_text(),
            container.stderr_text()
        ));
    }
    if host.exit_code != container.exit_code {
        problems.push(format!(
            "exit status: host {}, container {}",
            host.exit_code, container.exit_code
        ));
    }
    if host.stdout.is_empty() {
        problems.push("the host printed nothing: the transcript did not run".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failed(format!("{how}: {}", problems.join("\n"))))
    }
}

// ---- the tests ---------------------------------------------------------------------------

fn check(cond: bool, message: impl FnOnce() -> String) -> Result<(), Failed> {
    if cond { Ok(()) } else { Err(Failed(message())) }
}

async fn transcript_through_arguments(v: &Variant) -> Result<(), Failed> {
    let tag = image(v).await?;
    let args = transcript_args();
    let host = host_run(&args, None)?;
    let container = Run::new(&tag).args(args).output().await?;
    same("transcript through -e arguments", &host, &container)
}

async fn transcript_through_stdin(v: &Variant) -> Result<(), Failed> {
    let tag = image(v).await?;
    let text = transcript();
    let host = host_run(&[], Some(text.as_bytes()))?;
    let container = Run::new(&tag).stdin(text.as_bytes()).output().await?;
    same("transcript through piped stdin", &host, &container)
}

async fn transcript_through_a_script_file(v: &Variant) -> Result<(), Failed> {
    let tag = image(v).await?;
    // The same absolute path inside and out, so messages naming the file agree.
    let path = transcript_path().to_string_lossy().into_owned();
    let args = vec!["-f".to_string(), path.clone()];
    let host = host_run(&args, None)?;
    let container = Run::new(&tag)
        .file(&path, transcript())
        .args(args)
        .output()
        .await?;
    same("transcript through a script file (-f)", &host, &container)
}

async fn answers_when_hardened(v: &Variant) -> Result<(), Failed> {
    let tag = image(v).await?;
    let out = Run::new(&tag)
        .args(["6", "*", "7"])
        .hardened()
        .output()
        .await?;
    check(out.exit_code == 0 && out.stdout == b"42\n", || {
        format!(
            "with --read-only --cap-drop ALL --security-opt no-new-privileges --network none: exit {}, stdout {:?}, stderr {:?}",
            out.exit_code,
            out.stdout_text(),
            out.stderr_text()
        )
    })?;
    // Piped input works hardened too.
    let out = Run::new(&tag).stdin("2^10\n").hardened().output().await?;
    check(out.exit_code == 0 && out.stdout == b"1024\n", || {
        format!(
            "hardened, piped: exit {}, stdout {:?}, stderr {:?}",
            out.exit_code,
            out.stdout_text(),
            out.stderr_text()
        )
    })
}

async fn docker_stop_is_prompt(v: &Variant) -> Result<(), Failed> {
    let tag = image(v).await?;
    let waiting = Waiting::start(&tag, v.hardened).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    check(waiting.is_running().await, || {
        "a container with open stdin exited by itself: the REPL should wait for input".into()
    })?;
    let took = waiting.stop_latency().await?;
    note!(
        "    [{}] docker stop took {:.2} s",
        v.name,
        took.as_secs_f64()
    );
    check(took < Duration::from_secs(2), || {
        format!(
            "`docker stop` took {:.1} s: as PID 1 the calculator must handle SIGTERM and exit at once (otherwise Docker waits its 10 s grace period, then kills)",
            took.as_secs_f64()
        )
    })
}

async fn detached_exits_at_once(v: &Variant) -> Result<(), Failed> {
    let tag = image(v).await?;
    let (code, took) = harness::docker::run::detached(&tag, Duration::from_secs(20)).await?;
    check(code == 0, || {
        format!(
            "`docker run -d` without stdin exited {code}: end of input must end the calculator with status 0"
        )
    })?;
    check(took < Duration::from_secs(10), || {
        format!(
            "`docker run -d` without stdin ran {:.1} s: end of input must end it at once",
            took.as_secs_f64()
        )
    })
}

async fn shell_as_catalogued(v: &Variant) -> Result<(), Failed> {
    let tag = image(v).await?;
    let waiting = Waiting::start(&tag, false).await?;
    let (code, output) = waiting.exec(&["sh", "-c", "echo shell-here"]).await?;
    if v.shell {
        check(code == 0 && output.contains("shell-here"), || {
            format!(
                "the catalogue says {} has a shell, but `docker exec ... sh` gave exit {code}: {output}",
                v.name
            )
        })
    } else {
        check(
            code == 126 && output.contains("executable file not found"),
            || {
                format!(
                    "the catalogue says {} has no shell: `docker exec ... sh` should fail with 126 \"executable file not found\", got exit {code}: {output}",
                    v.name
                )
            },
        )
    }
}

async fn size_within_bounds(v: &Variant) -> Result<(), Failed> {
    let tag = image(v).await?;
    let size = image_size(&tag).await?;
    let mb = harness::render::format::megabytes(size);
    note!(
        "    [{}] {} ({} bytes)",
        v.name,
        harness::render::format::human_size(size),
        harness::render::format::group_digits(size)
    );
    check(mb >= v.min_size_mb && mb <= v.max_size_mb, || {
        format!(
            "{} is {} but the catalogue bounds are {} MB to {} MB",
            v.name,
            harness::render::format::human_size(size),
            v.min_size_mb,
            v.max_size_mb
        )
    })
}

async fn image_size(tag: &str) -> Result<u64, Failed> {
    let info = docker()
        .inspect_image(tag)
        .await
        .map_err(|e| e.to_string())?;
    Ok(info.size.unwrap_or(0).max(0) as u64)
}

async fn structure(v: &Variant) -> Result<(), Failed> {
    let f = facts(v).await?;
    note!(
        "    [{}] {} files, {} packages, {} layers, user {}, entrypoint {:?}, wasted {}",
        v.name,
        harness::render::format::group_digits(f.files),
        f.packages.len(),
        f.layers,
        f.effective_user(),
        f.entrypoint,
        harness::render::format::human_size(f.wasted_bytes)
    );
    let mut problems = Vec::new();
    let yes_no = |b: bool| if b { "has" } else { "has no" };
    if f.has_shell != v.shell {
        problems.push(format!(
            "the image {} /bin/sh; the catalogue says shell = {}",
            yes_no(f.has_shell),
            v.shell
        ));
    }
    if f.has_package_manager != v.package_manager {
        problems.push(format!(
            "the image {} apt/dpkg; the catalogue says package_manager = {}",
            yes_no(f.has_package_manager),
            v.package_manager
        ));
    }
    let has_toolchain = f.has_toolchain();
    let has_any_tool = !f.cargo.is_empty() || !f.rustc.is_empty();
    if v.toolchain && !has_toolchain || !v.toolchain && has_any_tool {
        problems.push(format!(
            "cargo at {:?}, rustc at {:?}; the catalogue says toolchain = {}",
            f.cargo, f.rustc, v.toolchain
        ));
    }
    let user_ok = if v.runs_as_root() {
        f.runs_as_root()
    } else {
        f.effective_user() == v.user
    };
    if !user_ok {
        problems.push(format!(
            "runs as `{}`; the catalogue says `{}`",
            f.effective_user(),
            v.user
        ));
    }
    if !v.runs_as_root() && f.runs_as_root() {
        problems.push("runs as root: only the naive variant may".into());
    }
    if f.entrypoint.is_empty()
        || f.entrypoint[0].is_empty()
        || f.entrypoint[..f.entrypoint.len().min(2)] == ["/bin/sh", "-c"]
    {
        problems.push(format!(
            "the entrypoint {:?} is not exec form: write ENTRYPOINT [\"/path/to/calculator\"]",
            f.entrypoint
        ));
    }
    for label in REQUIRED_LABELS {
        if f.labels.get(label).is_none_or(|v| v.trim().is_empty()) {
            problems.push(format!("label {label} is missing"));
        }
    }
    if v.package_manager && f.packages.is_empty() {
        problems.push("a package manager but no installed packages recorded".into());
    }
    check(problems.is_empty(), || {
        format!("{}:\n  {}", v.name, problems.join("\n  "))
    })
}

async fn sizes_are_ordered() -> Result<(), Failed> {
    // Every pair of neighbouring size ranks in the catalogue: a larger rank, a smaller image.
    for (a, b) in CATALOGUE.size_pairs() {
        let sa = image_size(&image(a).await?).await?;
        let sb = image_size(&image(b).await?).await?;
        let (a, b) = (&a.name, &b.name);
        check(sa > sb, || {
            format!(
                "{a} ({}) should be larger than {b} ({})",
                harness::render::format::human_size(sa),
                harness::render::format::human_size(sb)
            )
        })?;
    }
    let (baseline, smallest) = (CATALOGUE.baseline(), CATALOGUE.smallest());
    let (first, last) = (
        image_size(&image(baseline).await?).await?,
        image_size(&image(smallest).await?).await?,
    );
    note!(
        "    {} -> {}: {}",
        baseline.name,
        smallest.name,
        harness::render::format::reduction(first, last)
    );
    Ok(())
}

async fn static_as_catalogued(v: &Variant) -> Result<(), Failed> {
    let f = facts(v).await?;
    let program = f
        .entrypoint
        .first()
        .filter(|p| p.starts_with('/'))
        .ok_or_else(|| format!("the entrypoint {:?} names no absolute path", f.entrypoint))?;
    let tag = image(v).await?;
    let file = harness::docker::run::read_image_file(docker(), &tag, program, 1 << 16)
        .await?
        .ok_or_else(|| format!("{program} (the entrypoint) is not in the {} image", v.name))?;
    let interpreter = harness::image::elf::elf_interpreter(&file.1)?;
    note!("    [{}] {program}: interpreter {interpreter:?}", v.name);
    check(interpreter.is_none() == v.static_binary, || {
        format!(
            "{program} asks for the loader {interpreter:?}; the catalogue says static_binary = {}",
            v.static_binary
        )
    })
}

async fn repl_on_a_tty(v: &Variant) -> Result<(), Failed> {
    let tag = image(v).await?;
    let mut tty = TtySession::start(&tag).await?;
    let wait = Duration::from_secs(10);
    // The banner names the program; the prompt follows it.
    tty.expect("calculator", wait).await?;
    tty.send("6*7\r").await?;
    tty.expect("42", wait).await?;
    // Ctrl-D only once the next prompt is up: typed earlier, the terminal is still in cooked
    // mode between two reads and the key may be lost in the switch.
    tty.expect("> ", wait).await?;
    tty.send("\x04").await?;
    let code = tty.wait(wait).await?;
    check(code == 0, || {
        format!("Ctrl-D should end the REPL with status 0, got {code}")
    })
}

// ---- the tests, one property across every variant ------------------------------------------

/// Runs `check` for every catalogue variant that `applies`, sequentially, and fails with every
/// variant's problem listed (one failing variant does not hide another's result).
fn for_each_variant<F, Fut>(applies: impl Fn(&Variant) -> bool, check: F)
where
    F: Fn(Variant) -> Fut,
    Fut: std::future::Future<Output = Result<(), Failed>>,
{
    match &*ENGINE {
        // No engine: the one actionable line is already on stderr; fail without another
        // message (resume_unwind skips the panic hook).
        Err(()) => std::panic::resume_unwind(Box::new(())),
        Ok(None) => return,
        Ok(Some(_)) => {}
    }
    let failures: Vec<String> = block_on(async {
        let mut failures = Vec::new();
        for v in CATALOGUE.variants.iter().filter(|v| applies(v)) {
            if let Err(e) = check(v.clone()).await {
                failures.push(format!("[{}] {}", v.name, e.0));
            }
        }
        failures
    });
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n\n"));
}

fn every(_: &Variant) -> bool {
    true
}

#[test]
fn every_variant_builds() {
    for_each_variant(every, |v| async move { image(&v).await.map(|_| ()) });
}

#[test]
fn transcript_through_arguments_matches_the_host() {
    for_each_variant(
        every,
        |v| async move { transcript_through_arguments(&v).await },
    );
}

#[test]
fn transcript_through_stdin_matches_the_host() {
    for_each_variant(every, |v| async move { transcript_through_stdin(&v).await });
}

#[test]
fn transcript_through_a_script_file_matches_the_host() {
    for_each_variant(every, |v| async move {
        transcript_through_a_script_file(&v).await
    });
}

#[test]
fn repl_on_a_tty_in_the_smallest_image() {
    for_each_variant(
        |v| v.name == CATALOGUE.roles.smallest,
        |v| async move { repl_on_a_tty(&v).await },
    );
}

#[test]
fn size_is_within_the_catalogue_bounds() {
    for_each_variant(every, |v| async move { size_within_bounds(&v).await });
}

#[test]
fn sizes_follow_the_catalogue_ranks() {
    for_each_variant(
        |v| v.name == CATALOGUE.roles.smallest,
        |_| async { sizes_are_ordered().await },
    );
}

#[test]
fn structure_matches_the_catalogue() {
    for_each_variant(every, |v| async move { structure(&v).await });
}

#[test]
fn static_binary_matches_the_catalogue() {
    for_each_variant(every, |v| async move { static_as_catalogued(&v).await });
}

#[test]
fn shell_exec_matches_the_catalogue() {
    for_each_variant(every, |v| async move { shell_as_catalogued(&v).await });
}

#[test]
fn hardened_variants_answer_read_only_without_capabilities_or_network() {
    for_each_variant(
        |v| v.hardened,
        |v| async move { answers_when_hardened(&v).await },
    );
}

#[test]
fn hardened_variants_stop_promptly() {
    for_each_variant(
        |v| v.hardened,
        |v| async move { docker_stop_is_prompt(&v).await },
    );
}

#[test]
fn detached_without_stdin_exits_at_once() {
    for_each_variant(every, |v| async move { detached_exits_at_once(&v).await });
}
