//! Opening the sign-in page: `$BROWSER` (no shell), then WSL's Windows side, then the desktop's
//! default browser through the platform's opener (`xdg-open`, `open`, `rundll32`). Only http(s)
//! URLs are ever opened, and every program started gets our environment minus the secrets in
//! it ([`EnvVars::SECRETS`]): a browser, its extensions and its crash reports never see them.
//! (The `webbrowser` crate cannot start its programs with a changed environment, so the
//! openers are started here.)

use std::io;
use std::process::{Command, Stdio};

use base64::Engine as _;

use crate::domain::env_vars::EnvVars;
use crate::ports::browser::Browser;

const NO_BROWSER: &str =
    "no browser available: set $BROWSER or use --no-browser / --flow device-code";
/// `$BROWSER` separates alternatives the way `PATH` does.
const LIST_SEPARATOR: char = if cfg!(windows) { ';' } else { ':' };
/// Where Windows PowerShell lives when WSL does not put the Windows folders on `PATH`.
const WSL_POWERSHELL: &str = "/mnt/c/Windows/System32/WindowsPowerShell/v1.0/powershell.exe";

/// The platform's way to open a URL, decided once from the environment.
#[derive(Debug, Clone)]
pub struct SystemBrowser {
    /// The non-empty `$BROWSER` entries, each split on whitespace.
    commands: Vec<Vec<String>>,
    /// Detected on first need only: a cached `get-token` never looks.
    wsl: std::sync::OnceLock<bool>,
    desktop: bool,
}

impl SystemBrowser {
    /// `browser_var` is `$BROWSER`; WSL and a desktop session (`DISPLAY`/`WAYLAND_DISPLAY`,
    /// always on macOS and Windows) are detected here.
    #[must_use]
    pub fn from_env(browser_var: Option<String>) -> Self {
        let browser = Self::new(browser_var.as_deref(), false, desktop_session());
        Self {
            wsl: std::sync::OnceLock::new(),
            ..browser
        }
    }

    fn wsl(&self) -> bool {
        *self.wsl.get_or_init(running_in_wsl)
    }

    fn new(browser_var: Option<&str>, wsl: bool, desktop: bool) -> Self {
        let commands = browser_var
            .unwrap_or_default()
            .split(LIST_SEPARATOR)
            .map(|entry| {
                entry
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .filter(|words| !words.is_empty())
            .collect();
        Self {
            commands,
            wsl: std::sync::OnceLock::from(wsl),
            desktop,
        }
    }

    /// Runs the first `$BROWSER` entry that starts (later ones only when an earlier program
    /// cannot be started at all).
    fn open_with_browser_var(&self, url: &str) -> Result<(), String> {
        let mut failures = Vec::new();
        for words in &self.commands {
            let argv = command_line(words, url);
            match spawn_detached(&argv[0], &argv[1..]) {
                Ok(()) => return Ok(()),
                Err(e) => failures.push(format!("{}: {e}", argv[0])),
            }
        }
        Err(format!(
            "could not start $BROWSER ({})",
            failures.join("; ")
        ))
    }
}

impl Browser for SystemBrowser {
    fn available(&self) -> bool {
        !self.commands.is_empty() || self.desktop || self.wsl()
    }

    fn open(&self, url: &str) -> Result<(), String> {
        let url = web_url(url)?;
        if !self.commands.is_empty() {
            self.open_with_browser_var(&url)
        } else if self.wsl() {
            open_on_windows_side(&url)
        } else if self.desktop {
            open_on_desktop(&url)
        } else {
            Err(NO_BROWSER.to_owned())
        }
    }
}

/// The URL as the `url` crate serializes it (ASCII, percent-encoded), when it is http(s).
fn web_url(url: &str) -> Result<String, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("not a valid URL to open: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || !parsed.has_host() {
        return Err(format!(
            "refusing to open a {}: URL in a browser (only http and https)",
            parsed.scheme()
        ));
    }
    Ok(parsed.into())
}

/// `%s` in any word becomes the URL (still one argument); without `%s` the URL is appended.
fn command_line(words: &[String], url: &str) -> Vec<String> {
    if words.iter().any(|word| word.contains("%s")) {
        words.iter().map(|word| word.replace("%s", url)).collect()
    } else {
        words.iter().cloned().chain([url.to_owned()]).collect()
    }
}

/// The desktop's default browser, through the platform's opener (the first one that starts).
fn open_on_desktop(url: &str) -> Result<(), String> {
    let url_arg = [url.to_owned()];
    let result = if cfg!(target_os = "macos") {
        spawn_detached("/usr/bin/open", &url_arg)
    } else if cfg!(windows) {
        // What Explorer runs for a URL; no `cmd.exe`, whose parsing of `&` would split the URL.
        let args = ["url.dll,FileProtocolHandler".to_owned(), url.to_owned()];
        spawn_detached("rundll32.exe", &args)
    } else {
        let gio = ["open".to_owned(), url.to_owned()];
        spawn_detached("xdg-open", &url_arg)
            .or_else(|_| spawn_detached("gio", &gio))
            .or_else(|_| spawn_detached("x-www-browser", &url_arg))
    };
    result.map_err(|e| format!("could not start a browser: {e}"))
}

/// Removes the secret variables from what `command` inherits.
fn scrub_secrets(command: &mut Command) -> &mut Command {
    for name in EnvVars::SECRETS {
        command.env_remove(name);
    }
    command
}

/// Starts `program` without a shell and without waiting, without the secrets of our
/// environment. Its stdout goes to our stderr (ours carries the token); a detached thread reaps
/// it so no zombie is left behind. On Unix it gets its own process group, so a Ctrl-C in the
/// terminal does not take the browser down with us.
fn spawn_detached(program: &str, args: &[String]) -> io::Result<()> {
    let mut command = Command::new(program);
    scrub_secrets(&mut command)
        .args(args)
        .stdin(Stdio::null())
        .stdout(io::stderr())
        .stderr(Stdio::inherit());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn()?;
    let reaper = std::thread::Builder::new()
        .name("browser-reaper".to_owned())
        .spawn(move || child.wait());
    if let Err(e) = reaper {
        tracing::debug!(error = %e, "could not start a thread to reap the browser process");
    }
    Ok(())
}

/// WSL: `wslview` (wslu) when installed, else PowerShell's `Start-Process`. No `cmd.exe`: its
/// parsing of `&` and `^` would split the URL.
fn open_on_windows_side(url: &str) -> Result<(), String> {
    let url_arg = [url.to_owned()];
    let powershell = powershell_start_args(url);
    spawn_detached("wslview", &url_arg)
        .or_else(|_| spawn_detached("powershell.exe", &powershell))
        .or_else(|_| spawn_detached(WSL_POWERSHELL, &powershell))
        .map_err(|e| format!("could not start wslview or powershell.exe from WSL: {e}"))
}

/// `powershell.exe -EncodedCommand` arguments running `Start-Process '<url>'`. The command line
/// then holds only base64, and the URL is a verbatim single-quoted literal (quotes doubled,
/// including the Unicode ones PowerShell also accepts), so nothing in it is ever evaluated.
fn powershell_start_args(url: &str) -> Vec<String> {
    let mut literal = String::from("'");
    for c in url.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            literal.push(c);
        }
        literal.push(c);
    }
    literal.push('\'');
    let script = format!("Start-Process -FilePath {literal}");
    let utf16: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(utf16);
    [
        "-NoLogo",
        "-NoProfile",
        "-NonInteractive",
        "-EncodedCommand",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([encoded])
    .collect()
}

#[cfg(target_os = "linux")]
fn running_in_wsl() -> bool {
    std::path::Path::new("/proc/sys/fs/binfmt_misc/WSLInterop").exists()
        || std::path::Path::new("/proc/sys/fs/binfmt_misc/WSLInterop-late").exists()
        || std::fs::read_to_string("/proc/version")
            .is_ok_and(|version| version.to_ascii_lowercase().contains("microsoft"))
}

#[cfg(not(target_os = "linux"))]
fn running_in_wsl() -> bool {
    false
}

fn desktop_session() -> bool {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    const URL: &str =
        "https://login.example.com/tenant/oauth2/v2.0/authorize?client_id=a&scope=b%20c&state=x";

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn browser_var_entries_are_split_and_empty_ones_skipped() {
        let browser = SystemBrowser::new(Some(" : :firefox --new-tab:chromium"), false, false);
        assert_eq!(
            browser.commands,
            vec![words(&["firefox", "--new-tab"]), words(&["chromium"])]
        );
        assert!(
            SystemBrowser::new(Some("::  "), false, false)
                .commands
                .is_empty()
        );
    }

    #[test]
    fn started_programs_do_not_inherit_secrets() {
        let mut command = Command::new("true");
        scrub_secrets(&mut command);
        let removed: Vec<_> = command
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect();
        for name in [
            "AZURE_CLIENT_SECRET",
            "AZURE_CLIENT_CERTIFICATE_PASSWORD",
            "ENTRA_AUTH_CACHE_KEY",
            "IDENTITY_HEADER",
            "MSI_SECRET",
        ] {
            assert!(removed.iter().any(|r| r == name), "{name} in {removed:?}");
        }
        assert!(!removed.iter().any(|r| r == "AZURE_CLIENT_CERTIFICATE_PATH"));
    }

    #[test]
    fn percent_s_is_replaced_by_one_argument_else_the_url_is_appended() {
        let with = command_line(&words(&["open", "--url=%s", "--new"]), URL);
        assert_eq!(with, words(&["open", &format!("--url={URL}"), "--new"]));
        let without = command_line(&words(&["firefox", "-P", "work"]), URL);
        assert_eq!(without, words(&["firefox", "-P", "work", URL]));
    }

    #[test]
    fn available_when_browser_var_wsl_or_desktop() {
        assert!(!SystemBrowser::new(None, false, false).available());
        assert!(!SystemBrowser::new(Some(" : "), false, false).available());
        assert!(SystemBrowser::new(Some("firefox"), false, false).available());
        assert!(SystemBrowser::new(None, true, false).available());
        assert!(SystemBrowser::new(None, false, true).available());
    }

    #[test]
    fn nothing_available_says_what_to_do() {
        let error = SystemBrowser::new(None, false, false)
            .open(URL)
            .unwrap_err();
        assert_eq!(error, NO_BROWSER);
    }

    #[test]
    fn only_http_urls_are_opened() {
        let browser = SystemBrowser::new(Some("/definitely/not/run"), false, false);
        for url in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "-x https://a",
            "ftp://a/",
            "",
        ] {
            assert!(browser.open(url).is_err(), "{url}");
        }
        assert_eq!(
            web_url("HTTP://Example.COM/a b").unwrap(),
            "http://example.com/a%20b"
        );
    }

    #[test]
    fn a_browser_var_that_cannot_start_is_an_error() {
        let browser = SystemBrowser::new(Some("/nonexistent/browser-xyz"), false, false);
        let error = browser.open(URL).unwrap_err();
        assert!(error.contains("/nonexistent/browser-xyz"), "{error}");
    }

    #[test]
    fn powershell_gets_the_url_as_a_quoted_literal_in_base64() {
        let args = powershell_start_args("https://a.example/?q=it's&r=1");
        assert_eq!(
            args[..4],
            words(&[
                "-NoLogo",
                "-NoProfile",
                "-NonInteractive",
                "-EncodedCommand"
            ])
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&args[4])
            .unwrap();
        let units: Vec<u16> = bytes
            .chunks(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        let script = String::from_utf16(&units).unwrap();
        assert_eq!(
            script,
            "Start-Process -FilePath 'https://a.example/?q=it''s&r=1'"
        );
    }

    /// A `$BROWSER` script (run through `sh`, so no exec-of-a-fresh-file race) that records
    /// its arguments one per line.
    #[cfg(unix)]
    fn recorder() -> (tempfile::TempDir, String, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("argv");
        let script = dir.path().join("record.sh");
        let body = format!(
            "printf '%s\\n' \"$@\" > '{0}.tmp' && mv '{0}.tmp' '{0}'\n",
            out.display()
        );
        std::fs::write(&script, body).unwrap();
        let command = format!("sh {}", script.display());
        (dir, command, out)
    }

    #[cfg(unix)]
    fn recorded(out: &std::path::Path) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(text) = std::fs::read_to_string(out) {
                return text.lines().map(str::to_owned).collect();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the browser script did not run");
    }

    #[cfg(unix)]
    #[test]
    fn browser_var_without_percent_s_gets_the_url_last() {
        let (_dir, command, out) = recorder();
        SystemBrowser::new(Some(&format!("{command} --new-tab")), false, false)
            .open(URL)
            .unwrap();
        assert_eq!(recorded(&out), words(&["--new-tab", URL]));
    }

    #[cfg(unix)]
    #[test]
    fn browser_var_with_percent_s_gets_the_url_in_place() {
        let (_dir, command, out) = recorder();
        SystemBrowser::new(Some(&format!("{command} %s --then")), false, false)
            .open(URL)
            .unwrap();
        assert_eq!(recorded(&out), words(&[URL, "--then"]));
    }

    #[cfg(unix)]
    #[test]
    fn browser_var_list_uses_the_first_entry_that_starts() {
        let (_dir, command, out) = recorder();
        let list = format!(" :/nonexistent/browser-xyz:{command} first:{command} second");
        SystemBrowser::new(Some(&list), false, false)
            .open(URL)
            .unwrap();
        assert_eq!(recorded(&out), words(&["first", URL]));
    }
}
