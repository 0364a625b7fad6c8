//! `secguard-fuzz`: run a fuzzing campaign, replay saved inputs, or print
//! one generated input. `scripts/fuzz` builds it and passes its arguments.

use anyhow::{Context as _, Result, anyhow, bail};
use secguard_fuzz::alloc::CountingAlloc;
use secguard_fuzz::campaign::{self, Limits, Source, Supervisor, TargetStats, parse_file_arg};
use secguard_fuzz::{Corpus, Target, mutate};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const USAGE: &str = "usage:
  secguard-fuzz run [--target T[=N]]... [--inputs N] [--jobs J] [--seed S] [options]
      T: python, c, cpp, rules, sarif, bandit, semgrep, cppcheck, flawfinder,
         llm-extract, or all (default). N inputs per target (default 10000);
         T=N sets one target's count.
  secguard-fuzz replay [--target T] [options] PATH...
      replay saved inputs: files, or folders laid out as <dir>/<target>/<file>
  secguard-fuzz gen --target T --seed S --index I
      write input I of a campaign to stdout
  secguard-fuzz minimize --target T [--max-tries N] [--out FILE] FILE
      shrink a failing input while it fails the same way (default out:
      FILE.min)
options:
  --root DIR          repository root (seeds, default save folder); default .
  --time-cap-ms MS    per-input time cap (default 5000)
  --mem-cap-mb MB     per-input memory cap (default 256)
  --save-dir DIR      save failing inputs under DIR/<target>/ (default fuzz/regressions)
  --no-save           do not save failing inputs
  --copy-to DIR       also copy failing inputs, with a description, to DIR
  --max-saves N       save at most N inputs per target and failure kind (default 20)
  --json FILE         also write the statistics as JSON
exit status: 0 no failure, 1 failures found, 2 bad usage or I/O error";

#[derive(Debug)]
struct Args {
    command: String,
    targets: Vec<Target>,
    /// Input counts given per target (`--target python=5000`).
    counts: Vec<(Target, u64)>,
    inputs: u64,
    jobs: usize,
    seed: u64,
    index: u64,
    root: PathBuf,
    limits: Limits,
    save_dir: Option<PathBuf>,
    no_save: bool,
    copy_to: Option<PathBuf>,
    max_saves: usize,
    json: Option<PathBuf>,
    out: Option<PathBuf>,
    max_tries: usize,
    files: Vec<(Target, PathBuf)>,
    paths: Vec<PathBuf>,
}

fn parse_args(argv: Vec<String>) -> Result<Args> {
    let mut it = argv.into_iter();
    let command = it
        .next()
        .ok_or_else(|| anyhow!("missing command\n{USAGE}"))?;
    let mut a = Args {
        command,
        targets: Vec::new(),
        counts: Vec::new(),
        inputs: 10_000,
        jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        seed: 1,
        index: 0,
        root: PathBuf::from("."),
        limits: Limits::default(),
        save_dir: None,
        no_save: false,
        copy_to: None,
        max_saves: 20,
        json: None,
        out: None,
        max_tries: 400,
        files: Vec::new(),
        paths: Vec::new(),
    };
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| anyhow!("{name} needs a value\n{USAGE}"))
        };
        fn num<T: std::str::FromStr>(name: &str, v: String) -> Result<T> {
            v.parse::<T>()
                .map_err(|_| anyhow!("{name}: not a number: {v:?}"))
        }
        match arg.as_str() {
            "--target" => {
                let v = value("--target")?;
                let (name, count) = match v.split_once('=') {
                    Some((n, c)) => (n, Some(num::<u64>("--target", c.to_string())?)),
                    None => (v.as_str(), None),
                };
                let named = if name == "all" {
                    Target::ALL.to_vec()
                } else {
                    vec![
                        Target::from_name(name)
                            .ok_or_else(|| anyhow!("--target: unknown target {name:?}\n{USAGE}"))?,
                    ]
                };
                for t in named {
                    a.targets.push(t);
                    if let Some(c) = count {
                        a.counts.push((t, c));
                    }
                }
            }
            "--inputs" => a.inputs = num("--inputs", value("--inputs")?)?,
            "--jobs" => {
                a.jobs = num("--jobs", value("--jobs")?)?;
                if a.jobs == 0 || a.jobs > 256 {
                    bail!("--jobs: must be between 1 and 256");
                }
            }
            "--seed" => a.seed = num("--seed", value("--seed")?)?,
            "--index" => a.index = num("--index", value("--index")?)?,
            "--root" => a.root = PathBuf::from(value("--root")?),
            "--time-cap-ms" => {
                let ms: u64 = num("--time-cap-ms", value("--time-cap-ms")?)?;
                if ms == 0 {
                    bail!("--time-cap-ms: must be at least 1");
                }
                a.limits.time_cap = Duration::from_millis(ms);
            }
            "--mem-cap-mb" => {
                let mb: usize = num("--mem-cap-mb", value("--mem-cap-mb")?)?;
                if mb == 0 {
                    bail!("--mem-cap-mb: must be at least 1");
                }
                a.limits.mem_cap = mb << 20;
            }
            "--mem-cap-bytes" => {
                a.limits.mem_cap = num("--mem-cap-bytes", value("--mem-cap-bytes")?)?
            }
            "--save-dir" => a.save_dir = Some(PathBuf::from(value("--save-dir")?)),
            "--no-save" => a.no_save = true,
            "--copy-to" => a.copy_to = Some(PathBuf::from(value("--copy-to")?)),
            "--max-saves" => a.max_saves = num("--max-saves", value("--max-saves")?)?,
            "--json" => a.json = Some(PathBuf::from(value("--json")?)),
            "--out" => a.out = Some(PathBuf::from(value("--out")?)),
            "--max-tries" => a.max_tries = num("--max-tries", value("--max-tries")?)?,
            "--file" => {
                let v = value("--file")?;
                a.files.push(
                    parse_file_arg(&v)
                        .ok_or_else(|| anyhow!("--file: expected TARGET=PATH, got {v:?}"))?,
                );
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            s if s.starts_with('-') => bail!("unknown option {s:?}\n{USAGE}"),
            _ => a.paths.push(PathBuf::from(arg)),
        }
    }
    Ok(a)
}

fn main() {
    let code = match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("secguard-fuzz: {e:#}");
            2
        }
    };
    std::process::exit(code);
}

fn real_main() -> Result<i32> {
    let args = parse_args(std::env::args().skip(1).collect())?;
    match args.command.as_str() {
        "worker" => worker(args),
        "gen" => {
            let [target] = args.targets[..] else {
                bail!("gen: give exactly one --target");
            };
            let corpus = Corpus::load(&args.root);
            let input = mutate::generate(&corpus, target, args.seed, args.index);
            std::io::stdout()
                .write_all(&input)
                .context("writing to stdout")?;
            Ok(0)
        }
        "run" => run(args),
        "minimize" => minimize(args),
        "replay" => replay(args),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(0)
        }
        other => bail!("unknown command {other:?}\n{USAGE}"),
    }
}

fn worker(args: Args) -> Result<i32> {
    let source = if args.files.is_empty() {
        let [target] = args.targets[..] else {
            bail!("worker: give exactly one --target or --file list");
        };
        Source::Generated {
            target,
            seed: args.seed,
            corpus: Arc::new(Corpus::load(&args.root)),
        }
    } else {
        Source::Files(args.files.clone())
    };
    campaign::worker(&source, &args.limits)?;
    Ok(0)
}

fn supervisor(args: &Args) -> Result<Supervisor> {
    let exe = std::env::current_exe().context("locating the secguard-fuzz executable")?;
    let save_dir = if args.no_save {
        None
    } else {
        Some(
            args.save_dir
                .clone()
                .unwrap_or_else(|| args.root.join("fuzz").join("regressions")),
        )
    };
    Ok(Supervisor {
        exe,
        root: args.root.clone(),
        jobs: args.jobs,
        limits: args.limits.clone(),
        save_dir,
        copy_to: args.copy_to.clone(),
        max_saves: args.max_saves,
        batch: 256,
    })
}

fn run(args: Args) -> Result<i32> {
    if !args.paths.is_empty() {
        bail!("run takes no paths (did you mean replay?)\n{USAGE}");
    }
    let mut targets = if args.targets.is_empty() {
        Target::ALL.to_vec()
    } else {
        args.targets.clone()
    };
    // Named twice (`all` and `c=500`): run once, in first-named order.
    let mut seen = std::collections::HashSet::new();
    targets.retain(|t| seen.insert(*t));
    let sup = supervisor(&args)?;
    let corpus = Arc::new(Corpus::load(&args.root));
    let mut all: Vec<TargetStats> = Vec::new();
    for t in targets {
        let inputs = args
            .counts
            .iter()
            .rev()
            .find(|(c, _)| *c == t)
            .map_or(args.inputs, |(_, n)| *n);
        eprintln!(
            "secguard-fuzz: {inputs} inputs of {} ({} seeds), seed {}, {} jobs",
            t.name(),
            corpus.seeds(t).len(),
            args.seed,
            sup.jobs
        );
        let source = Source::Generated {
            target: t,
            seed: args.seed,
            corpus: Arc::clone(&corpus),
        };
        let stats = sup.run(&source, inputs, Some(args.seed))?;
        let st = stats.into_values().next().unwrap_or_else(|| TargetStats {
            target: t.name().into(),
            ..TargetStats::default()
        });
        eprint!("{}", campaign::markdown_table(std::slice::from_ref(&st)));
        all.push(st);
    }
    // The command as given, for the record in docs/benchmarks.md.
    let command = std::iter::once("scripts/fuzz".to_string())
        .chain(std::env::args().skip(2))
        .collect::<Vec<_>>()
        .join(" ");
    report(&args, &all, &command)
}

fn minimize(args: Args) -> Result<i32> {
    let ([target], [file]) = (&args.targets[..], &args.paths[..]) else {
        bail!("minimize: give one --target and one FILE\n{USAGE}");
    };
    let input = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let out = args.out.clone().unwrap_or_else(|| {
        let mut name = file.as_os_str().to_owned();
        name.push(".min");
        PathBuf::from(name)
    });
    let mut sup = supervisor(&args)?;
    sup.jobs = 1;
    sup.save_dir = None;
    sup.copy_to = None;
    let scratch = std::env::temp_dir().join(format!(
        "secguard-fuzz-min-{}.{}",
        std::process::id(),
        target.extension()
    ));
    let result = campaign::minimize(
        &sup,
        *target,
        input,
        &scratch,
        args.max_tries,
        |tries, len| {
            eprintln!("secguard-fuzz: try {tries}: {len} bytes still fail");
        },
    );
    let _ = std::fs::remove_file(&scratch);
    match result? {
        None => {
            println!("{}: does not fail as {}", file.display(), target.name());
            Ok(1)
        }
        Some((small, kind)) => {
            std::fs::write(&out, &small).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "{}: {} in {} bytes",
                out.display(),
                kind.name(),
                small.len()
            );
            Ok(0)
        }
    }
}

fn replay(args: Args) -> Result<i32> {
    let paths = if args.paths.is_empty() {
        vec![args.root.join("fuzz").join("regressions")]
    } else {
        args.paths.clone()
    };
    let target = match args.targets[..] {
        [] => None,
        [t] => Some(t),
        _ => bail!("replay: give at most one --target"),
    };
    let files = campaign::replay_files(&paths, target)?;
    let mut sup = supervisor(&args)?;
    sup.save_dir = None;
    sup.copy_to = None;
    let n = files.len() as u64;
    eprintln!("secguard-fuzz: replaying {n} saved input(s)");
    let stats = if files.is_empty() {
        Vec::new()
    } else {
        sup.run(&Source::Files(files), n, None)?
            .into_values()
            .collect()
    };
    report(&args, &stats, "scripts/fuzz replay")
}

fn report(args: &Args, stats: &[TargetStats], command: &str) -> Result<i32> {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "secguard-fuzz: `{command}`, {profile} build, caps {} s and {} MB per input\n",
        args.limits.time_cap.as_secs_f64(),
        args.limits.mem_cap >> 20
    );
    print!("{}", campaign::markdown_table(stats));
    let failures: Vec<_> = stats
        .iter()
        .flat_map(|s| s.failures.iter().map(move |f| (s.target.as_str(), f)))
        .collect();
    if !failures.is_empty() {
        println!("\nFailures:");
        for (t, f) in &failures {
            let at = f
                .path
                .as_ref()
                .map_or(String::new(), |p| format!(" -> {}", p.display()));
            println!(
                "- {t} #{} ({} B): {}: {}{at}",
                f.index,
                f.size,
                f.kind.name(),
                f.detail
            );
        }
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(stats).context("serializing statistics")?;
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let failed: u64 = stats.iter().map(TargetStats::failed).sum();
    Ok(if failed > 0 { 1 } else { 0 })
}
