//! `chart`: the runs' JSON lines as SVG pictures, written by hand.
//!
//! A table gives the figures; a picture shows at a glance how far apart
//! they are. `loadgen chart` reads lines of the form `NAME {json}` (or the
//! suite's progress lines, `  NAME scenario: {json}`; anything else is
//! skipped), groups the runs by server, and writes:
//!
//! - `fanout-nN.svg`, one per client count N: the median server CPU per
//!   delivery and the median deliveries/s of each server, each as a bar
//!   with a whisker from the lowest to the highest run, and the `floor`
//!   server (when present) as a dashed line across both panels;
//! - `latency-rR.svg`, one per rate R: p50, p90, p99 and p99.9 of each
//!   server (medians over its runs), on a logarithmic axis in
//!   milliseconds.
//!
//! ```text
//!   server CPU ns per delivery              ┆ floor 54
//!   floor          ████████████████████████ ┆
//!   event_server   ███████████████████████████████████──┤
//!   tokio-chat     ██████████████████████████████████████████████████
//! ```
//!
//! The SVG is plain text: `rect`, `line`, `text` and `g`, with the numbers
//! in `<title>` tooltips. No dependency, no script, no stylesheet.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use serdy::Deserialize;

use super::report::Latency;
use super::suite::median;

/// The name of the server drawn as a line rather than a bar.
pub const FLOOR: &str = "floor";

/// The fields of a run line the charts use (other fields are skipped).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RunLine {
    /// `fanout`, `latency`, ...
    pub scenario: String,
    /// N.
    pub clients: Option<usize>,
    /// R (latency).
    pub rate: Option<u32>,
    /// Fanout throughput.
    pub deliveries_per_sec: Option<f64>,
    /// Fanout server CPU.
    pub server_cpu_ns_per_delivery: Option<f64>,
    /// Latency percentiles.
    pub latency: Option<Latency>,
    /// Whether the run verified.
    pub verified: Option<bool>,
}

/// One run of one server.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The server's name.
    pub server: String,
    /// What it measured.
    pub line: RunLine,
}

/// Reads the runs in `text`: each line `NAME {json}` or `  NAME scenario:
/// {json}`; lines without JSON, with JSON that does not parse, or of runs
/// that did not verify are skipped.
///
/// ```
/// use chat::loadgen::chart::parse_runs;
///
/// let text = "floor {\"scenario\":\"fanout\",\"clients\":100,\"verified\":true}\n\
///             [ 12s] round 1/3: fanout on x\n\
///             \x20 event_server fanout: {\"scenario\":\"fanout\",\"clients\":100,\"verified\":true}\n";
/// let runs = parse_runs(text);
/// assert_eq!(runs.len(), 2);
/// assert_eq!((runs[0].server.as_str(), runs[1].server.as_str()), ("floor", "event_server"));
/// ```
pub fn parse_runs(text: &str) -> Vec<Run> {
    text.lines()
        .filter_map(|line| {
            let brace = line.find('{')?;
            let server = line[..brace].split_whitespace().next()?;
            let parsed: RunLine = crate::fmt::json::from_str(&line[brace..]).ok()?;
            (parsed.verified != Some(false)).then(|| Run {
                server: server.to_string(),
                line: parsed,
            })
        })
        .collect()
}

/// A bar: its label, the value it stands for, and the whisker's ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Left of the bar.
    pub label: String,
    /// Its length.
    pub value: f64,
    /// The whisker's left end.
    pub low: f64,
    /// The whisker's right end.
    pub high: f64,
}

impl Bar {
    /// The median of `values` with a whisker from their least to their
    /// greatest.
    pub fn of(label: &str, values: &[f64]) -> Bar {
        Bar {
            label: label.to_string(),
            value: median(values),
            low: values.iter().copied().fold(f64::INFINITY, f64::min),
            high: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

/// Width of every chart, in SVG units (pixels at 100 %).
pub const WIDTH: f64 = 720.0;
/// Where the bars start (the labels are left of it).
pub const LEFT: f64 = 170.0;
/// Where the bars may end.
pub const RIGHT: f64 = WIDTH - 70.0;
/// Height of one bar row.
pub const ROW: f64 = 26.0;
const TOP: f64 = 34.0;
const COLORS: [&str; 4] = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2"];

/// The x of `value` on a linear axis from 0 to `max`.
pub fn linear_x(value: f64, max: f64) -> f64 {
    LEFT + (RIGHT - LEFT) * (value / max).clamp(0.0, 1.0)
}

/// The x of `value` on a log axis from `min` to `max` (both positive).
pub fn log_x(value: f64, min: f64, max: f64) -> f64 {
    let v = value.max(min).min(max);
    LEFT + (RIGHT - LEFT) * ((v / min).ln() / (max / min).ln())
}

/// Escapes `&`, `<`, `>` and `"` for SVG text and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A number as the tables show it: 3 significant digits, `k`/`M` above
/// 10 000.
pub fn short(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else if x >= 1e4 {
        format!("{:.0} k", x / 1e3)
    } else if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn open_svg(out: &mut String, height: f64, title: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <title>{}</title>\n<rect width=\"{WIDTH}\" height=\"{height}\" fill=\"white\"/>\n",
        escape(title)
    );
}

/// One panel of horizontal bars on a linear axis from 0, at `y`, with an
/// optional dashed line (`label`, value) across it; returns its height.
pub fn bar_panel(
    out: &mut String,
    y: f64,
    title: &str,
    bars: &[Bar],
    line: Option<(&str, f64)>,
) -> f64 {
    let max = bars
        .iter()
        .map(|b| b.high.max(b.value))
        .chain(line.map(|l| l.1))
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let _ = writeln!(
        out,
        "<g transform=\"translate(0,{y})\">\n<text x=\"10\" y=\"18\" font-weight=\"bold\">{}</text>",
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let top = TOP + i as f64 * ROW;
        let end = linear_x(bar.value, max);
        let mid = top + ROW / 2.0 - 2.0;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n\
             <rect x=\"{LEFT}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\">\
             <title>{}: {}</title></rect>",
            LEFT - 8.0,
            mid + 4.0,
            escape(&bar.label),
            top + 3.0,
            end - LEFT,
            ROW - 10.0,
            COLORS[0],
            escape(&bar.label),
            short(bar.value),
        );
        if bar.high > bar.low {
            let _ = writeln!(
                out,
                "<line x1=\"{:.1}\" y1=\"{mid:.1}\" x2=\"{:.1}\" y2=\"{mid:.1}\" stroke=\"#333\"/>",
                linear_x(bar.low, max),
                linear_x(bar.high, max)
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            end.max(linear_x(bar.high, max)) + 4.0,
            mid + 4.0,
            short(bar.value)
        );
    }
    let bottom = TOP + bars.len() as f64 * ROW;
    if let Some((label, value)) = line {
        let x = linear_x(value, max);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#000\" \
             stroke-dasharray=\"4 3\"/>\n<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{} {}</text>",
            TOP - 2.0,
            TOP - 6.0,
            escape(label),
            short(value)
        );
    }
    out.push_str("</g>\n");
    bottom + 10.0
}

/// The fanout chart of the runs with `clients` clients: CPU per delivery
/// and deliveries/s, the floor as a line. Runs that did not verify are
/// left out.
pub fn fanout_svg(runs: &[Run], clients: usize) -> String {
    let mut cpu: BTreeMap<usize, (String, Vec<f64>, Vec<f64>)> = BTreeMap::new();
    let order = server_order(runs);
    for run in runs {
        if run.line.scenario != "fanout"
            || run.line.clients != Some(clients)
            || run.line.verified == Some(false)
        {
            continue;
        }
        let entry = cpu
            .entry(order[&run.server])
            .or_insert_with(|| (run.server.clone(), Vec::new(), Vec::new()));
        entry.1.extend(run.line.server_cpu_ns_per_delivery);
        entry.2.extend(run.line.deliveries_per_sec);
    }
    let floor = cpu.values().find(|(name, ..)| name == FLOOR);
    let cpu_line = floor.map(|(_, c, _)| median(c)).filter(|m| m.is_finite());
    let rate_line = floor.map(|(_, _, r)| median(r)).filter(|m| m.is_finite());
    let servers: Vec<_> = cpu.values().filter(|(name, ..)| name != FLOOR).collect();
    let cpu_bars: Vec<Bar> = servers
        .iter()
        .filter(|(_, c, _)| !c.is_empty())
        .map(|(name, c, _)| Bar::of(name, c))
        .collect();
    let rate_bars: Vec<Bar> = servers
        .iter()
        .filter(|(_, _, r)| !r.is_empty())
        .map(|(name, _, r)| Bar::of(name, r))
        .collect();
    let mut body = String::new();
    let mut y = 0.0;
    y += bar_panel(
        &mut body,
        y,
        &format!("fanout, {clients} clients: server CPU ns per delivery (lower is better)"),
        &cpu_bars,
        cpu_line.map(|v| (FLOOR, v)),
    );
    y += bar_panel(
        &mut body,
        y,
        &format!("fanout, {clients} clients: deliveries per second (higher is better)"),
        &rate_bars,
        rate_line.map(|v| (FLOOR, v)),
    );
    let mut out = String::new();
    open_svg(
        &mut out,
        y + 24.0,
        &format!("fanout with {clients} clients"),
    );
    out.push_str(&body);
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{:.1}\" font-size=\"10\" fill=\"#555\">bars: median over runs; whiskers: lowest to highest run; dashed: the floor</text>\n</svg>",
        y + 14.0
    );
    out
}

/// The percentiles of the latency chart, with their legend names.
const PERCENTILES: [&str; 4] = ["p50", "p90", "p99", "p99.9"];

fn percentiles(l: &Latency) -> [f64; 4] {
    [l.p50_us, l.p90_us, l.p99_us, l.p999_us].map(|us| us / 1000.0)
}

/// The latency chart of the runs at `rate` messages/s: p50, p90, p99 and
/// p99.9 per server, medians over its runs, milliseconds on a log axis
/// from a decade below the least value to the one above the greatest.
/// Runs that did not verify are left out.
pub fn latency_svg(runs: &[Run], rate: u32) -> String {
    let order = server_order(runs);
    let mut by_server: BTreeMap<usize, (String, Vec<[f64; 4]>)> = BTreeMap::new();
    for run in runs {
        if run.line.scenario != "latency"
            || run.line.rate != Some(rate)
            || run.line.verified == Some(false)
        {
            continue;
        }
        if let Some(l) = &run.line.latency {
            by_server
                .entry(order[&run.server])
                .or_insert_with(|| (run.server.clone(), Vec::new()))
                .1
                .push(percentiles(l));
        }
    }
    let rows: Vec<(String, [f64; 4])> = by_server
        .into_values()
        .map(|(name, samples)| {
            let m =
                std::array::from_fn(|p| median(&samples.iter().map(|s| s[p]).collect::<Vec<_>>()));
            (name, m)
        })
        .collect();
    let positive = rows.iter().flat_map(|r| r.1).filter(|v| *v > 0.0);
    let lo = positive.clone().fold(f64::INFINITY, f64::min);
    let hi = positive.fold(0.0, f64::max);
    let (min, max) = if lo.is_finite() && hi > 0.0 {
        (
            // A decade below the least value, or more when it sits just
            // above a decade, so that its bar is not a sliver.
            10f64.powf((lo.log10() - 0.3).floor()),
            10f64.powf(hi.log10().ceil().max(lo.log10().floor() + 1.0)),
        )
    } else {
        (0.1, 1.0)
    };
    let group = ROW * 2.2;
    let height = TOP + rows.len() as f64 * group + 60.0;
    let mut out = String::new();
    open_svg(&mut out, height, &format!("latency at {rate} messages/s"));
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"18\" font-weight=\"bold\">latency, {rate} messages/s: p50, p90, p99, p99.9 in ms (log scale, lower is better)</text>"
    );
    let bottom = TOP + rows.len() as f64 * group;
    let mut decade = min;
    while decade <= max * 1.0001 {
        let x = log_x(decade, min, max);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#ccc\"/>\n\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            bottom + 14.0,
            short(decade)
        );
        decade *= 10.0;
    }
    let bar = (group - 8.0) / 4.0;
    for (i, (name, values)) in rows.iter().enumerate() {
        let top = TOP + i as f64 * group;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"10\" fill=\"#555\">p50 {} / p99 {} ms</text>",
            LEFT - 8.0,
            top + group / 2.0 - 2.0,
            escape(name),
            LEFT - 8.0,
            top + group / 2.0 + 11.0,
            short(values[0]),
            short(values[2])
        );
        for (p, value) in values.iter().enumerate() {
            let y = top + 2.0 + p as f64 * bar;
            let _ = writeln!(
                out,
                "<rect x=\"{LEFT}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\">\
                 <title>{} {}: {} ms</title></rect>",
                log_x(*value, min, max) - LEFT,
                bar - 1.0,
                COLORS[p],
                escape(name),
                PERCENTILES[p],
                short(*value)
            );
        }
    }
    let legend_y = bottom + 34.0;
    for (p, name) in PERCENTILES.iter().enumerate() {
        let x = LEFT + p as f64 * 90.0;
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{legend_y:.1}\">{name}</text>",
            legend_y - 10.0,
            COLORS[p],
            x + 16.0
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{:.1}\" font-size=\"10\" fill=\"#555\">medians over runs</text>\n</svg>",
        legend_y + 16.0
    );
    out
}

/// Servers numbered in the order they first appear.
fn server_order(runs: &[Run]) -> BTreeMap<String, usize> {
    let mut order = BTreeMap::new();
    for run in runs {
        let next = order.len();
        order.entry(run.server.clone()).or_insert(next);
    }
    order
}

/// Writes every chart the runs allow into `dir`; returns the paths.
pub fn write_all(runs: &[Run], dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for n in distinct(runs, "fanout", |r| r.line.clients) {
        let path = dir.join(format!("fanout-n{n}.svg"));
        std::fs::write(&path, fanout_svg(runs, n))?;
        written.push(path);
    }
    for rate in distinct(runs, "latency", |r| r.line.rate) {
        let path = dir.join(format!("latency-r{rate}.svg"));
        std::fs::write(&path, latency_svg(runs, rate))?;
        written.push(path);
    }
    Ok(written)
}

/// The distinct values of `key` over the runs of `scenario`, in order:
/// one chart each.
fn distinct<T: Ord>(runs: &[Run], scenario: &str, key: impl Fn(&Run) -> Option<T>) -> Vec<T> {
    let mut values: Vec<T> = runs
        .iter()
        .filter(|r| r.line.scenario == scenario)
        .filter_map(key)
        .collect();
    values.sort_unstable();
    values.dedup();
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that every tag is closed in order and every attribute
    /// value quoted: the shape of well-formed XML this writer produces.
    fn assert_well_formed(svg: &str) {
        let mut open: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(at) = rest.find('<') {
            let end = rest[at..].find('>').expect("unclosed <") + at;
            let tag = &rest[at + 1..end];
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "unbalanced quotes in <{tag}>"
            );
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name), "</{name}> closes the wrong tag");
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().expect("a tag name"));
            }
            let text = &rest[end + 1..];
            let next = text.find('<').unwrap_or(text.len());
            assert!(!text[..next].contains('>'), "a bare > in text");
            rest = text;
        }
        assert!(open.is_empty(), "left open: {open:?}");
        assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
    }

    /// The `width` of the `rect` whose tooltip starts with `title`.
    fn width_of(svg: &str, title: &str) -> f64 {
        let at = svg.find(&format!("<title>{title}")).expect("the bar");
        let rect = &svg[svg[..at].rfind("<rect").expect("its rect")..at];
        let w = rect.split("width=\"").nth(1).expect("a width");
        w[..w.find('"').expect("quoted")].parse().expect("a number")
    }

    fn run(server: &str, json: &str) -> Run {
        Run {
            server: server.into(),
            line: crate::fmt::json::from_str(json).expect("a run line"),
        }
    }

    fn fanout(server: &str, cpu: f64, rate: f64) -> Run {
        run(
            server,
            &format!(
                "{{\"scenario\":\"fanout\",\"clients\":100,\"deliveries_per_sec\":{rate},\
                 \"server_cpu_ns_per_delivery\":{cpu},\"verified\":true,\"extra\":1}}"
            ),
        )
    }

    #[test]
    fn fanout_bars_are_medians_to_scale_and_the_floor_is_a_line() {
        let runs = [
            fanout("floor", 50.0, 10e6),
            fanout("event_server", 80.0, 12e6),
            fanout("event_server", 100.0, 11e6),
            fanout("event_server", 60.0, 13e6),
            fanout("tokio-chat", 160.0, 6e6),
        ];
        let svg = fanout_svg(&runs, 100);
        assert_well_formed(&svg);
        // The longest bar or whisker (160) spans LEFT..RIGHT; 80 is half.
        let span = RIGHT - LEFT;
        assert!((width_of(&svg, "event_server: 80.0") - span / 2.0).abs() < 0.11);
        assert!((width_of(&svg, "tokio-chat: 160") - span).abs() < 0.11);
        // The whisker of event_server goes from 60 to 100.
        let whisker = format!(
            "x1=\"{:.1}\" y1=\"45.0\" x2=\"{:.1}\"",
            linear_x(60.0, 160.0),
            linear_x(100.0, 160.0)
        );
        assert!(svg.contains(&whisker), "{whisker} in {svg}");
        // The floor is no bar but a dashed line at 50 of 160.
        assert!(!svg.contains("<title>floor:"));
        let x = format!("x1=\"{:.1}\"", linear_x(50.0, 160.0));
        assert!(svg.contains(&format!("<line {x}")), "{x}");
        assert!(svg.contains(">floor 50.0</text>"));
        // Deliveries/s: 13 M is the longest.
        assert!((width_of(&svg, "event_server: 12.00 M") - span * 12.0 / 13.0).abs() < 0.11);
    }

    #[test]
    fn latency_bars_sit_on_a_log_axis() {
        let line = |p50: f64, p99: f64| {
            format!(
                "{{\"scenario\":\"latency\",\"rate\":20000,\"clients\":100,\"latency\":\
                 {{\"p50_us\":{p50},\"p90_us\":{p50},\"p99_us\":{p99},\"p999_us\":{p99},\
                 \"max_us\":0,\"mean_us\":0}},\"verified\":true}}"
            )
        };
        let runs = [
            run("event_server", &line(400.0, 1000.0)),
            run("a<b", &line(2000.0, 50000.0)),
            run("event_server", &line(400.0, 3000.0)),
            run("skipped", &line(1.0, 1.0).replace("true", "false")),
        ];
        let svg = latency_svg(&runs, 20000);
        assert_well_formed(&svg);
        // Axis 0.1 ms to 100 ms: three decades over LEFT..RIGHT; 1 ms is
        // one decade in, and the p99 median of [1, 3] ms is 2 ms.
        let decade = (RIGHT - LEFT) / 3.0;
        let p50 = width_of(&svg, "event_server p50: 0.40 ms");
        assert!((p50 - decade * (4f64).log10()).abs() < 0.11, "{p50}");
        let p99 = width_of(&svg, "event_server p99: 2.00 ms");
        assert!((p99 - decade * (20f64).log10()).abs() < 0.11, "{p99}");
        assert!(svg.contains(">p50 0.40 / p99 2.00 ms</text>"));
        assert!(svg.contains("a&lt;b"));
        assert!(!svg.contains("skipped"));
        assert_eq!(svg.matches(">p99.9</text>").count(), 1);
    }

    #[test]
    fn runs_come_from_both_line_forms_and_failures_are_skipped() {
        let text = "\
a {\"scenario\":\"fanout\",\"clients\":10,\"verified\":true}
  b fanout: {\"scenario\":\"fanout\",\"clients\":10,\"verified\":true}
c {\"scenario\":\"fanout\",\"verified\":false}
[  3s] round 1/3: fanout on d
e {not json
";
        let runs = parse_runs(text);
        let names: Vec<&str> = runs.iter().map(|r| r.server.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(runs[1].line.clients, Some(10));
    }

    #[test]
    fn numbers_and_text_are_written_safely() {
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(short(12_345_678.0), "12.35 M");
        assert_eq!(short(54_321.0), "54 k");
        assert_eq!(short(123.4), "123");
        assert_eq!(short(54.25), "54.2");
        assert_eq!(short(0.456), "0.46");
    }
}
