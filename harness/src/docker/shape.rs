//! A classroom's bandwidth, for real: an `htb` class on the loopback interface that slows
//! only the traffic coming from the temporary registry's port, so a timed pull runs at, for
//! example, 20 Mbit/s while every other loopback connection keeps its speed. This kernel has
//! `htb` and `tbf` but no `netem`. It needs root and `tc`; where either is missing, or `lo`
//! already has a root qdisc someone else set, nothing is changed and the caller computes the
//! figure from the measured bytes instead (and says so).
//!
//! The qdisc is removed on drop: a leftover one would slow every loopback connection of the
//! machine. The `claims` command also drops it on Ctrl-C and SIGTERM.

use std::process::{Command, Stdio};

/// Why the shaping could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no traffic shaping: {0}")]
pub(crate) struct ShapeError(pub(crate) String);

/// An active shaping of one loopback source port; removed on drop.
#[derive(Debug)]
pub(crate) struct Shaper {
    active: bool,
}

fn tc(args: &[&str]) -> Result<(), ShapeError> {
    let out = Command::new("tc")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ShapeError(format!("tc: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(ShapeError(format!(
            "tc {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Whether this process runs as root (tc changes need it).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|v| v.split_whitespace().nth(1))
            == Some("0")
    })
}

/// The root qdisc of `lo` as `tc qdisc show dev lo` prints it, when it is not the default.
fn foreign_root_qdisc() -> Result<Option<String>, ShapeError> {
    let out = Command::new("tc")
        .args(["qdisc", "show", "dev", "lo"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ShapeError(format!("tc: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let root = text.lines().find(|l| l.contains(" root ")).map(str::trim);
    Ok(match root {
        Some(line) if !line.starts_with("qdisc noqueue") => Some(line.to_string()),
        _ => None,
    })
}

impl Shaper {
    /// Limits traffic from loopback source port `port` to `mbit` Mbit/s.
    pub(crate) fn limit_source_port(port: u16, mbit: u32) -> Result<Shaper, ShapeError> {
        if !is_root() {
            return Err(ShapeError("shaping `lo` needs root".into()));
        }
        if let Some(line) = foreign_root_qdisc()? {
            return Err(ShapeError(format!(
                "`lo` already has a root qdisc ({line}); it is left alone"
            )));
        }
        // From here on a partial setup must be undone: the guard exists before the first
        // change.
        let mut shaper = Shaper { active: true };
        let rate = format!("{mbit}mbit");
        let port = port.to_string();
        let steps: [&[&str]; 4] = [
            &[
                "qdisc", "add", "dev", "lo", "root", "handle", "1:", "htb", "default", "10", "r2q",
                "10000",
            ],
            &[
                "class", "add", "dev", "lo", "parent", "1:", "classid", "1:10", "htb", "rate",
                "100gbit", "quantum", "200000",
            ],
            &[
                "class", "add", "dev", "lo", "parent", "1:", "classid", "1:20", "htb", "rate",
                &rate, "burst", "15k", "quantum", "1514",
            ],
            &[
                "filter", "add", "dev", "lo", "protocol", "ip", "parent", "1:", "prio", "1", "u32",
                "match", "ip", "sport", &port, "0xffff", "flowid", "1:20",
            ],
        ];
        for step in steps {
            if let Err(e) = tc(step) {
                shaper.remove();
                return Err(e);
            }
        }
        Ok(shaper)
    }

    /// Removes the qdisc now (also done on drop).
    pub(crate) fn remove(&mut self) {
        if std::mem::take(&mut self.active) {
            let _ = tc(&["qdisc", "del", "dev", "lo", "root"]);
        }
    }
}

impl Drop for Shaper {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Whether `lo` has a root qdisc other than the default (what a leaked shaping would leave).
pub fn lo_is_shaped() -> bool {
    matches!(foreign_root_qdisc(), Ok(Some(_)))
}
