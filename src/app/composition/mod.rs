//! The composition root: the one place that builds the real adapters (once per process, each
//! lazily where it costs anything) and plugs them into the use cases. Front-ends build one
//! [`Services`] and ask it for the ports a use case needs.

pub mod az_shim;
pub mod paths;
pub mod storage;

use std::future::Future;
use std::sync::OnceLock;

use self::paths::Paths;
use self::storage::{NoticeDue, Storage, notice_due_in, select_storage};
use crate::adapters::archive::profile_export::ExportArchive;
use crate::adapters::config::profile_repository::TomlProfileRepository;
use crate::adapters::credentials::credential_loader::FileCredentialLoader;
use crate::adapters::http::idp_transport::HttpTransport;
use crate::adapters::os::az_shim_dir::AzShimDir;
use crate::adapters::os::child_process::TokioChildRunner;
use crate::adapters::os::docker_config::DockerConfigOnDisk;
use crate::adapters::os::env::ProcessEnv;
use crate::adapters::os::local_peers::ProcLocalPeers;
use crate::adapters::os::process_guard::forbid_core_dumps;
use crate::adapters::os::random::OsRandom;
use crate::adapters::os::stderr_reporter::StderrReporter;
use crate::adapters::os::system_clock::SystemClock;
use crate::adapters::os::terminal::TtyTerminal;
use crate::adapters::sign_in::browser::SystemBrowser;
use crate::adapters::sign_in::redirect_listener::TokioRedirectListener;
use crate::app::usecases::error::{Error, TokenError};
use crate::app::usecases::profiles::manage::ProfilePorts;
use crate::app::usecases::profiles::transfer::TransferPorts;
use crate::app::usecases::registry::configure::ConfigurePorts;
use crate::app::usecases::status::StatusPorts;
use crate::app::usecases::token::acquire::TokenPorts;
use crate::domain::env_vars::EnvVars;
use crate::ports::env::Env;
use crate::ports::store::{StoreProvider, StoreSelectionError, Stores};

/// The stores, chosen on first use (a command that needs none never probes the keyring).
pub struct LazyStores {
    env: ProcessEnv,
    paths: Paths,
    config_store: Option<String>,
    /// `-q`: notices are hidden, so none is recorded as shown.
    silent: bool,
    chosen: OnceLock<Result<Storage, StoreSelectionError>>,
}

impl StoreProvider for LazyStores {
    fn stores(&self) -> Result<Stores<'_>, StoreSelectionError> {
        self.chosen
            .get_or_init(|| {
                let chosen = select_storage(&self.env, self.config_store.as_deref(), &self.paths);
                if let Ok(storage) = &chosen {
                    let info = &storage.info;
                    tracing::debug!(
                        "store: {} ({}: {})",
                        info.backend,
                        info.requested,
                        info.reason
                    );
                }
                chosen
            })
            .as_ref()
            .map(Storage::as_stores)
            .map_err(Clone::clone)
    }

    fn take_fallback_notice(&self) -> Option<String> {
        if self.silent {
            return None;
        }
        let notice = self
            .chosen
            .get()?
            .as_ref()
            .ok()?
            .info
            .fallback_notice
            .clone()?;
        match &self.paths.cache_dir {
            Some(dir) => match notice_due_in(dir) {
                NoticeDue::First => Some(notice),
                NoticeDue::Shown => None,
                NoticeDue::Always => Some(format!(
                    "{notice}; said on every run because {} cannot be written: set ENTRA_AUTH_STORE=memory to choose this and silence it",
                    dir.display()
                )),
            },
            None => Some(notice),
        }
    }
}

/// Every adapter of this process.
pub struct Services {
    pub env: ProcessEnv,
    pub paths: Paths,
    pub profiles: TomlProfileRepository,
    pub stores: LazyStores,
    pub http: HttpTransport,
    pub clock: SystemClock,
    pub random: OsRandom,
    pub reporter: StderrReporter,
    pub terminal: TtyTerminal,
    pub browser: SystemBrowser,
    pub listener: TokioRedirectListener,
    pub loader: FileCredentialLoader,
    pub archive: ExportArchive,
    /// Runs `exec`'s child.
    pub child: TokioChildRunner,
    /// docker's `config.json` (`docker-credential configure`).
    pub docker_config: DockerConfigOnDisk,
    /// Who is at the other end of the credential endpoint's connections.
    pub peers: ProcLocalPeers,
}

/// True when this process was started as `exec`'s child launcher or as the watchdog of the
/// child's process group (argv[0]).
#[must_use]
pub fn is_child_launcher(argv0: &std::ffi::OsStr) -> bool {
    argv0 == crate::adapters::os::child_process::LAUNCHER_NAME
        || argv0 == crate::adapters::os::child_process::WATCHDOG_NAME
}

/// `exec`'s child launcher (sets the parent-death signal and execs the command; returns only
/// on failure, with the exit code) or its group's watchdog (ends the group if exec dies first).
#[must_use]
pub fn launch_child(args: Vec<std::ffi::OsString>) -> u8 {
    use crate::adapters::os::child_process::{WATCHDOG_NAME, launched, watch};
    if args.first().is_some_and(|argv0| argv0 == WATCHDOG_NAME) {
        return watch(&args);
    }
    launched(args)
}

/// `exec --az-shim`'s private directory with its `az`; removed when dropped.
pub struct AzShim {
    dir: AzShimDir,
}

impl AzShim {
    /// The directory to put first on the child's `PATH`.
    #[must_use]
    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Services {
    /// Builds the adapters; `silent` hides notices (not errors, not sign-in instructions).
    /// First, before any secret is read, core dumps of the process are turned off.
    #[must_use]
    pub fn new(silent: bool) -> Self {
        if let Err(e) = forbid_core_dumps() {
            tracing::debug!(error = %e, "core dumps could not be turned off");
        }
        let env = ProcessEnv;
        let paths = Paths::resolve(&env);
        let profiles = TomlProfileRepository::new(paths.config_file());
        // An unreadable config file is reported by whatever reads profiles; here it only
        // means "no `store` setting".
        let config_store = profiles.store_setting().ok().flatten();
        Self {
            stores: LazyStores {
                env,
                paths: paths.clone(),
                config_store,
                silent,
                chosen: OnceLock::new(),
            },
            terminal: TtyTerminal::new(env.non_empty(EnvVars::ENTRA_AUTH_NONINTERACTIVE).is_none()),
            browser: SystemBrowser::from_env(env.non_empty(EnvVars::BROWSER)),
            env,
            paths,
            profiles,
            http: HttpTransport::new(),
            clock: SystemClock,
            random: OsRandom,
            reporter: StderrReporter::new(silent),
            listener: TokioRedirectListener,
            loader: FileCredentialLoader,
            archive: ExportArchive,
            child: TokioChildRunner,
            docker_config: DockerConfigOnDisk::new(
                env.var(EnvVars::DOCKER_CONFIG),
                env.var("HOME"),
            ),
            peers: ProcLocalPeers,
        }
    }

    /// The ports of `get-token`, `refresh` and `discover`.
    #[must_use]
    pub fn token_ports(&self) -> TokenPorts<'_> {
        TokenPorts {
            profiles: &self.profiles,
            env: &self.env,
            stores: &self.stores,
            idp: &self.http,
            clock: &self.clock,
            random: &self.random,
            reporter: &self.reporter,
            terminal: &self.terminal,
            browser: &self.browser,
            listener: &self.listener,
            loader: &self.loader,
        }
    }

    /// The ports of the profile commands and `logout`.
    #[must_use]
    pub fn profile_ports(&self) -> ProfilePorts<'_> {
        ProfilePorts {
            profiles: &self.profiles,
            env: &self.env,
            stores: &self.stores,
            terminal: &self.terminal,
        }
    }

    /// The ports of `status`.
    #[must_use]
    pub fn status_ports(&self) -> StatusPorts<'_> {
        StatusPorts {
            profiles: &self.profiles,
            env: &self.env,
            stores: &self.stores,
        }
    }

    /// The ports of `config export` / `config import`.
    #[must_use]
    pub fn transfer_ports(&self) -> TransferPorts<'_> {
        TransferPorts {
            profiles: &self.profiles,
            env: &self.env,
            stores: &self.stores,
            archive: &self.archive,
        }
    }

    /// The ports of `docker-credential configure`.
    #[must_use]
    pub fn configure_ports(&self) -> ConfigurePorts<'_> {
        ConfigurePorts {
            profiles: &self.profiles,
            env: &self.env,
            docker_config: &self.docker_config,
        }
    }

    /// Writes an output file atomically with mode 0600 (`--file`, `config export -o`).
    ///
    /// # Errors
    /// I/O errors; a previous file is then untouched.
    pub fn write_private_file(&self, path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
        crate::adapters::os::atomic_file::write_private(path, bytes)
    }

    /// `serve`'s identity header from `path`, or `fresh()` written there (mode 0600) when there
    /// is no such file.
    ///
    /// # Errors
    /// I/O errors; a path that is not a regular file.
    pub fn read_or_create_header_file(
        &self,
        path: &std::path::Path,
        fresh: impl FnOnce() -> std::io::Result<String>,
    ) -> std::io::Result<String> {
        crate::adapters::os::serve_files::read_or_create_header(path, fresh)
    }

    /// Reads `serve`'s header file again.
    ///
    /// # Errors
    /// I/O errors; a path that is not a regular file.
    pub fn read_header_file(&self, path: &std::path::Path) -> std::io::Result<String> {
        crate::adapters::os::serve_files::read_header_file(path)
    }

    /// Opens `serve --audit-log` for appending (mode 0600 when created).
    ///
    /// # Errors
    /// I/O errors.
    pub fn open_audit_log(&self, path: &std::path::Path) -> std::io::Result<std::fs::File> {
        crate::adapters::os::serve_files::open_audit_log(path)
    }

    /// Makes `exec --az-shim`'s directory.
    ///
    /// # Errors
    /// The directory or its `az` link cannot be made.
    pub fn az_shim(&self) -> std::io::Result<AzShim> {
        AzShimDir::create().map(|dir| AzShim { dir })
    }

    /// Runs an async use case to completion on a single-threaded runtime.
    ///
    /// # Errors
    /// The runtime cannot start; otherwise the use case's own result.
    pub fn block_on<T>(&self, future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        self.run_async(future)?
    }

    /// Runs any future to completion on a single-threaded runtime (front-ends whose work is not
    /// one use case, like `exec`).
    ///
    /// # Errors
    /// The runtime cannot start.
    pub fn run_async<T>(&self, future: impl Future<Output = T>) -> Result<T, Error> {
        Ok(tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| TokenError::Runtime {
                cause: e.to_string(),
            })?
            .block_on(future))
    }
}
