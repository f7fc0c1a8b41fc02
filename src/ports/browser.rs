//! Opening the sign-in page in the user's browser.

/// Opens URLs. Error contract: `Err` says why no browser could be started (the caller then
/// only prints the URL); success means a browser process was launched, not that it loaded.
pub trait Browser: Send + Sync {
    /// True when `open` has a chance to work (`$BROWSER` set, a desktop session, WSL).
    fn available(&self) -> bool;
    fn open(&self, url: &str) -> Result<(), String>;
}
