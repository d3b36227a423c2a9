# Codebox's R kernel bridge: R driven directly with evaluate + repr + IRdisplay, the way
# IRkernel does it, without Jupyter's ZeroMQ layer.
#
# The agent starts `Rscript bridge.R` as the sandbox user, through `sh` so that:
#   fd 3    carries the commands, one JSON object per line: {"type": "execute", "id", "code",
#           "env"}; R cannot read a descriptor by number, so a `cat` that ignores SIGINT
#           relays them into a pipe() connection
#   stdin   is /dev/null, so neither the code nor its subprocesses can read the commands away
#   stdout  events, each line "\x1e" + JSON (ready, stdout, stderr, result, error, done); any
#           other bytes are output a subprocess or native code wrote directly, passed through
#   SIGINT  interrupts the running execution; the session keeps its state

suppressPackageStartupMessages({
  library(evaluate)
  library(repr)
  library(IRdisplay)
  library(jsonlite)
})

bridge <- new.env()
bridge$out <- stdout()
bridge$count <- 0L
bridge$pending_value <- NULL
bridge$last_plot <- NULL

emit <- function(event) {
  json <- jsonlite::toJSON(event, auto_unbox = TRUE, null = "null", na = "null", force = TRUE, digits = NA)
  cat("\036", json, "\n", sep = "", file = bridge$out)
  flush(bridge$out)
}

# A MIME bundle as JSON wants it: binary payloads (png, jpeg, pdf) base64, text as one string.
bundle_json <- function(data) {
  lapply(data, function(value) {
    if (is.raw(value)) gsub("\n", "", jsonlite::base64_enc(value), fixed = TRUE)
    else if (is.character(value)) paste(value, collapse = "\n")
    else value
  })
}

emit_result <- function(data, main) {
  data <- Filter(Negate(is.null), data)
  if (length(data) == 0L) return(invisible())
  emit(list(type = "result", data = bundle_json(data), main = main))
}

# A visible value is the main result only if nothing follows it, so it waits for the next event.
flush_value <- function(main = FALSE) {
  pending <- bridge$pending_value
  bridge$pending_value <- NULL
  if (!is.null(pending)) emit_result(pending, main)
}

flush_plot <- function() {
  plot <- bridge$last_plot
  bridge$last_plot <- NULL
  if (is.null(plot)) return(invisible())
  width <- getOption("repr.plot.width", 7)
  height <- getOption("repr.plot.height", 7)
  data <- list()
  for (mime in getOption("jupyter.plot_mimetypes", c("text/plain", "image/png"))) {
    data[[mime]] <- tryCatch(repr::mime2repr[[mime]](plot, width, height), error = function(e) NULL)
  }
  flush_value()
  emit_result(data, FALSE)
}

stream <- function(name, text) {
  if (!nzchar(text)) return(invisible())
  flush_value()
  emit(list(type = name, text = text))
}

# Mirrors what Jupyter's R kernel reports: ename "ERROR", the message, then the calls.
report_error <- function(condition, calls) {
  flush_value()
  text <- tryCatch(paste(format(condition), collapse = "\n"), error = function(e) conditionMessage(condition))
  message <- conditionMessage(condition)
  call <- conditionCall(condition)
  header <- if (is.null(call)) paste0("Error: ", message) else paste0("Error in ", deparse(call)[[1]], ": ", message)
  stack <- vapply(seq_along(calls), function(i) paste0(i, ". ", paste(format(calls[[i]]), collapse = "\n")), "")
  traceback <- paste(c(header, if (length(stack)) c("Traceback:", stack)), collapse = "\n")
  emit(list(type = "error", name = "ERROR", value = if (nzchar(message)) message else text, traceback = traceback))
}

plot_builds_upon <- function(previous, current) {
  if (is.null(previous)) return(TRUE)
  n_previous <- length(previous[[1]])
  length(current[[1]]) >= n_previous && identical(current[[1]][seq_len(n_previous)], previous[[1]][seq_len(n_previous)])
}

handlers <- function(frame_base) {
  new_output_handler(
    text = function(text) stream("stdout", text),
    message = function(condition) stream("stderr", paste0(conditionMessage(condition), collapse = "")),
    warning = function(condition) {
      call <- conditionCall(condition)
      where <- if (is.null(call)) "" else paste0(" in ", deparse(call)[[1]])
      stream("stderr", sprintf("Warning message%s:\n%s\n", where, conditionMessage(condition)))
    },
    error = function(condition) {
      if (inherits(condition, "codebox_quit")) {
        if (condition$status != 0) emit(list(type = "error", name = "SystemExit", value = as.character(condition$status), traceback = sprintf("quit(status = %d)", condition$status)))
        return(invisible())
      }
      calls <- sys.calls()
      # Drop the bridge's and evaluate's own frames around the user's code.
      calls <- head(calls[-seq_len(min(length(calls), frame_base))], -4)
      report_error(condition, calls)
    },
    graphics = function(plot) {
      if (!plot_builds_upon(bridge$last_plot, plot)) flush_plot()
      bridge$last_plot <- plot
    },
    value = function(value, visible) {
      if (!visible) return(invisible())
      flush_value()
      bundle <- IRdisplay::prepare_mimebundle(value, error_handler = function(e, mime) NULL)$data
      bridge$pending_value <- bundle
    }
  )
}

options(
  jupyter.base_display_func = function(data, metadata = NULL) {
    flush_value()
    emit_result(data, FALSE)
    invisible(TRUE)
  },
  jupyter.clear_output_func = function(wait = TRUE) invisible(),
  jupyter.rich_display = TRUE,
  jupyter.in_kernel = TRUE,
  device = function(...) grDevices::pdf(NULL, ...)
)

# quit()/q() would end the R process and every later cell's state with it; as in IRkernel, a
# kernel keeps running: the call ends the cell instead (an error if the status is not 0).
local({
  cell_quit <- function(save = "default", status = 0, runLast = TRUE) {
    stop(structure(class = c("codebox_quit", "error", "condition"), list(message = "quit()", call = NULL, status = as.integer(status))))
  }
  for (name in c("quit", "q")) {
    for (where in list(baseenv(), asNamespace("base"))) {
      unlockBinding(name, where)
      assign(name, cell_quit, envir = where)
      lockBinding(name, where)
    }
  }
})

with_env <- function(env, code) {
  names <- names(env)
  if (length(names) == 0L) return(force(code))
  saved <- Sys.getenv(names, unset = NA, names = TRUE)
  do.call(Sys.setenv, as.list(env))
  on.exit({
    for (name in names) {
      if (is.na(saved[[name]])) Sys.unsetenv(name) else do.call(Sys.setenv, stats::setNames(list(saved[[name]]), name))
    }
  })
  force(code)
}

execute <- function(command) {
  # Also when an interrupt unwinds this function: the agent waits for `done`.
  on.exit(emit(list(type = "done", id = command$id, execution_count = bridge$count)))
  bridge$count <- bridge$count + 1L
  bridge$pending_value <- NULL
  bridge$last_plot <- NULL
  code <- if (is.null(command$code)) "" else command$code
  env <- if (is.null(command$env)) list() else command$env
  # How deep the stack is when evaluate reports an error at the top of the user's code, measured
  # through the same calls as the real run below: deeper frames are the user's (as IRkernel does).
  frame_base <- 0L
  tryCatch(with_env(list(), evaluate("stop()", stop_on_error = 1L, output_handler = new_output_handler(error = function(e) frame_base <<- sys.nframe()))))
  tryCatch(
    with_env(env, evaluate(code, envir = globalenv(), output_handler = handlers(frame_base), stop_on_error = 1L, new_device = TRUE)),
    interrupt = function(condition) {
      flush_value()
      emit(list(type = "error", name = "KeyboardInterrupt", value = "interrupted", traceback = "Execution interrupted"))
    },
    error = function(condition) report_error(condition, list())
  )
  tryCatch(flush_plot(), error = function(e) report_error(e, list()))
  flush_value(main = TRUE)
}

main <- function() {
  input <- pipe("trap '' INT; exec cat <&3", open = "r")
  emit(list(type = "ready", pid = Sys.getpid()))
  repeat {
    # An interrupt that races the end of an execution lands here, where there is nothing to stop.
    line <- tryCatch(readLines(input, n = 1L, warn = FALSE), interrupt = function(condition) NA)
    if (length(line) == 0L) break
    if (is.na(line) || !nzchar(line)) next
    command <- tryCatch(jsonlite::fromJSON(line, simplifyVector = FALSE), error = function(e) NULL)
    if (is.null(command) || !identical(command$type, "execute")) next
    tryCatch(execute(command), interrupt = function(condition) NULL)
  }
}

main()
