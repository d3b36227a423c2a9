// Codebox's Java kernel bridge: the jdk.jshell API driven directly, state kept across cells as
// in jshell, and a cell declaring a class with `static void main` runs that main.
//
// The agent starts `java Bridge.java` as the sandbox user:
//   stdin   commands, one JSON object per line: {"type":"execute","id","code","env"} and
//           {"type":"interrupt","id"}; moved to a private descriptor, fd 0 becomes /dev/null
//   stdout  events, each line "\u001e" + JSON (ready, stdout, stderr, result, error, done); other
//           bytes are output a subprocess wrote directly (inheritIO), passed through as is
// Code runs in this JVM (jshell's "local" engine) so output streams as it is printed and an
// interrupt (JShell.stop) keeps every declared variable, method and class.

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.TypeDeclSnippet;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;

public final class Bridge {
  private static final Pattern MAIN_METHOD = Pattern.compile("\\bstatic\\s+void\\s+main\\s*\\(\\s*(final\\s+)?String\\s*(\\[\\s*\\]\\s*\\w+|\\.\\.\\.\\s*\\w+|\\w+\\s*\\[\\s*\\])\\s*\\)");

  private final OutputStream channel = new FileOutputStream(FileDescriptor.out);
  private final LinkedBlockingQueue<Map<String, Object>> commands = new LinkedBlockingQueue<>();
  private final Object lock = new Object();
  private final JShell shell;
  private Object running;
  /** Set when the running execution was told to stop; a stopped snippet reports no exception. */
  private volatile boolean stopRequested;
  private int executionCount;

  @SuppressWarnings("removal")
  private Bridge() {
    // Java 21 still honours a SecurityManager when the launcher allows one
    // (-Djava.security.manager=allow). This one checks nothing but System.exit, so a program
    // that exits ends its cell, not the kernel and every variable in it.
    System.setSecurityManager(new SecurityManager() {
      @Override
      public void checkPermission(java.security.Permission permission) {}

      @Override
      public void checkPermission(java.security.Permission permission, Object context) {}

      @Override
      public void checkExit(int status) {
        throw new ExitException(status);
      }
    });
    PrintStream out = new ChunkedPrintStream(new EventStream("stdout"));
    PrintStream err = new ChunkedPrintStream(new EventStream("stderr"));
    System.setOut(out);
    System.setErr(err);
    shell = JShell.builder().executionEngine("local").out(out).err(err).build();
  }

  /** args[0], when given: a JSON array naming the sandbox's env vars (see Properties). */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && Json.parse(args[0]) instanceof List<?> names) {
      for (Object name : names) Properties.exposeSandboxVariable(String.valueOf(name));
    }
    new Bridge().serve();
  }

  private void serve() throws InterruptedException {
    Thread reader = new Thread(this::readCommands, "codebox-commands");
    reader.setDaemon(true);
    reader.start();
    // Warm the compiler so the first real cell does not pay for it.
    shell.eval("int $codeboxWarmup = 0;");
    Map<String, Object> ready = new LinkedHashMap<>();
    ready.put("type", "ready");
    ready.put("pid", ProcessHandle.current().pid());
    emit(ready);
    while (true) {
      Map<String, Object> command = commands.take();
      if (command.isEmpty()) return;
      execute(command);
    }
  }

  private void readCommands() {
    try (BufferedReader input = new BufferedReader(new InputStreamReader(Stdin.takeForCommands(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = input.readLine()) != null) {
        if (line.isBlank()) continue;
        Object parsed = Json.parse(line);
        if (!(parsed instanceof Map<?, ?> map)) continue;
        @SuppressWarnings("unchecked")
        Map<String, Object> command = (Map<String, Object>) map;
        if ("interrupt".equals(command.get("type"))) {
          synchronized (lock) {
            // Only the execution asked about: a late interrupt must not stop the next one.
            if (running != null && running.equals(command.get("id"))) {
              stopRequested = true;
              shell.stop();
              // As Jupyter interrupts a kernel's whole process group: what the code started goes too.
              ProcessHandle.current().descendants().forEach(ProcessHandle::destroy);
            }
          }
        } else {
          commands.add(command);
        }
      }
    } catch (IOException | RuntimeException error) {
      error.printStackTrace(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
    }
    commands.add(Map.of());
  }

  private void execute(Map<String, Object> command) {
    Object id = command.get("id");
    String code = command.get("code") instanceof String text ? text : "";
    executionCount++;
    synchronized (lock) {
      running = id;
      stopRequested = false;
    }
    Map<String, String> savedEnv = new LinkedHashMap<>();
    Map<String, String> savedProperties = new LinkedHashMap<>();
    try {
      Map<String, String> env = stringMap(command.get("env"));
      savedProperties = Properties.apply(env);
      savedEnv = Environment.apply(env);
      run(code);
    } catch (RuntimeException error) {
      emitError(error.getClass().getName(), String.valueOf(error.getMessage()), stackTrace(error));
    } finally {
      synchronized (lock) {
        running = null;
      }
      Environment.apply(savedEnv);
      Properties.apply(savedProperties);
      System.out.flush();
      System.err.flush();
      Map<String, Object> done = new LinkedHashMap<>();
      done.put("type", "done");
      done.put("id", id);
      done.put("execution_count", executionCount);
      emit(done);
    }
  }

  /** Evaluates the cell snippet by snippet, stopping at the first error, as a notebook does. */
  private void run(String code) {
    SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
    String remaining = code;
    String lastValue = null;
    List<TypeDeclSnippet> programs = new ArrayList<>();
    while (!remaining.isBlank()) {
      SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
      String source;
      if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) break;
      if (info.completeness().isComplete()) {
        source = info.source();
        remaining = info.remaining();
      } else {
        // Let the compiler say what is missing.
        source = remaining;
        remaining = "";
      }
      lastValue = null;
      for (SnippetEvent event : shell.eval(source)) {
        if (event.causeSnippet() != null) continue;
        if (reportStop() || !report(event)) return;
        Snippet snippet = event.snippet();
        if (isExpression(snippet) && event.value() != null) lastValue = event.value();
        if (snippet instanceof TypeDeclSnippet type && MAIN_METHOD.matcher(snippet.source()).find()) programs.add(type);
      }
    }
    // A complete program: compile (done above) and run its main, as `java Main.java` would.
    for (TypeDeclSnippet program : programs) {
      lastValue = null;
      for (SnippetEvent event : shell.eval(program.name() + ".main(new String[0]);")) {
        if (event.causeSnippet() == null && (reportStop() || !report(event))) return;
      }
    }
    if (lastValue != null) {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("text/plain", lastValue);
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("type", "result");
      result.put("data", data);
      result.put("main", true);
      emit(result);
    }
  }

  /** What System.exit throws in this kernel instead of ending the JVM. */
  public static final class ExitException extends SecurityException {
    private static final long serialVersionUID = 1L;

    ExitException(int status) {
      super("System.exit(" + status + ")");
    }
  }

  /** After an interrupt, ends the cell with the error every Codebox kernel reports for it. */
  private boolean reportStop() {
    if (!stopRequested) return false;
    emitError("KeyboardInterrupt", "execution interrupted", "KeyboardInterrupt: execution interrupted");
    return true;
  }

  private static boolean isExpression(Snippet snippet) {
    return snippet.kind() == Snippet.Kind.EXPRESSION
        || (snippet instanceof VarSnippet && snippet.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND);
  }

  /** Reports a rejected snippet or a thrown exception; false when the cell must stop. */
  private boolean report(SnippetEvent event) {
    if (event.status() == Snippet.Status.REJECTED) {
      List<Diag> errors = shell.diagnostics(event.snippet()).filter(Diag::isError).toList();
      String source = event.snippet().source();
      StringBuilder traceback = new StringBuilder();
      String first = errors.isEmpty() ? "the snippet was rejected" : errors.get(0).getMessage(Locale.ROOT);
      for (Diag diag : errors) traceback.append(describe(diag, source));
      if (errors.isEmpty()) traceback.append(source);
      emitError("CompilationException", first, traceback.toString().stripTrailing());
      return false;
    }
    Exception exception = event.exception();
    if (exception instanceof EvalException thrown && thrown.getExceptionClassName().equals(ExitException.class.getName())) {
      // System.exit: the program is over; a non-zero status is its error, as Python's SystemExit.
      String status = thrown.getMessage() == null ? "" : thrown.getMessage().replaceAll("\\D", "");
      if (!status.equals("0")) emitError("SystemExit", status, "System.exit(" + status + ")");
      return false;
    }
    if (exception instanceof EvalException thrown) {
      String message = thrown.getMessage();
      emitError(thrown.getExceptionClassName(), message == null ? "" : message, stackTrace(thrown));
      return false;
    }
    if (exception instanceof UnresolvedReferenceException unresolved) {
      String what = unresolved.getSnippet().toString();
      emitError("UnresolvedReferenceException", "a declaration it uses is missing or broken: " + what, what);
      return false;
    }
    if (exception != null) {
      emitError(exception.getClass().getName(), String.valueOf(exception.getMessage()), stackTrace(exception));
      return false;
    }
    return true;
  }

  private static String describe(Diag diag, String source) {
    int start = (int) Math.max(0, Math.min(diag.getStartPosition(), source.length()));
    int lineStart = source.lastIndexOf('\n', Math.max(0, start - 1)) + 1;
    if (start == 0) lineStart = 0;
    int lineEnd = source.indexOf('\n', start);
    if (lineEnd < 0) lineEnd = source.length();
    int lineNumber = 1;
    for (int i = 0; i < lineStart; i++) if (source.charAt(i) == '\n') lineNumber++;
    String caret = " ".repeat(Math.max(0, start - lineStart)) + "^";
    return "line " + lineNumber + ": " + diag.getMessage(Locale.ROOT) + "\n" + source.substring(lineStart, lineEnd) + "\n" + caret + "\n";
  }

  private static String stackTrace(Throwable error) {
    StringBuilder text = new StringBuilder();
    Throwable current = error;
    boolean first = true;
    while (current != null) {
      String name = current instanceof EvalException thrown ? thrown.getExceptionClassName() : current.getClass().getName();
      String message = current.getMessage();
      text.append(first ? "" : "Caused by: ").append(name).append(message == null ? "" : ": " + message).append('\n');
      for (StackTraceElement frame : current.getStackTrace()) text.append("\tat ").append(frame).append('\n');
      first = false;
      current = current.getCause() == current ? null : current.getCause();
    }
    return text.toString().stripTrailing();
  }

  private static Map<String, String> stringMap(Object value) {
    Map<String, String> result = new LinkedHashMap<>();
    if (value instanceof Map<?, ?> map) map.forEach((key, item) -> result.put(String.valueOf(key), String.valueOf(item)));
    return result;
  }

  private void emitError(String name, String value, String traceback) {
    System.out.flush();
    System.err.flush();
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("type", "error");
    error.put("name", name);
    error.put("value", value);
    error.put("traceback", traceback);
    emit(error);
  }

  private void emit(Map<String, Object> event) {
    byte[] line = ("\u001e" + Json.write(event) + "\n").getBytes(StandardCharsets.UTF_8);
    synchronized (channel) {
      try {
        channel.write(line);
        channel.flush();
      } catch (IOException error) {
        // The agent is gone; nothing is left to report to.
        Runtime.getRuntime().halt(1);
      }
    }
  }

  /** System.out/err of the code: each flush (println, autoflush) becomes one output event. */
  private final class EventStream extends OutputStream {
    private final String type;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    EventStream(String type) {
      this.type = type;
    }

    @Override
    public synchronized void write(int b) {
      buffer.write(b);
      if (b == '\n') flush();
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
      buffer.write(bytes, offset, length);
      flush();
    }

    @Override
    public synchronized void flush() {
      byte[] bytes = buffer.toByteArray();
      int end = completeUtf8Length(bytes);
      if (end == 0) return;
      String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
      buffer.reset();
      buffer.write(bytes, end, bytes.length - end);
      Map<String, Object> event = new LinkedHashMap<>();
      event.put("type", type);
      event.put("text", text);
      emit(event);
    }

    /** Leaves a multi-byte character split across writes for the next flush. */
    private static int completeUtf8Length(byte[] bytes) {
      int end = bytes.length;
      for (int back = 1; back <= Math.min(3, bytes.length); back++) {
        int b = bytes[end - back] & 0xff;
        if ((b & 0xc0) == 0x80) continue;
        int needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        return needed > back ? end - back : end;
      }
      return end;
    }
  }

  /**
   * System.out/err as IJava (E2B's Java kernel, on JDK 11) has them: println writes the text and
   * then the line separator, and each write is flushed, so `println("x")` is two chunks, `x` and
   * `\n`; the agent passes Java's chunks on as written (E2B's tests read `stdout[0] == "x"`).
   * JDK 21's PrintStream would write both at once; every println overload is spelled out here so
   * the split does not hang on which of them the JDK routes through print + newLine.
   */
  static final class ChunkedPrintStream extends PrintStream {
    ChunkedPrintStream(OutputStream out) {
      super(out, true, StandardCharsets.UTF_8);
    }

    @Override
    public void println(String x) {
      synchronized (this) {
        print(x);
        println();
      }
    }

    @Override
    public void println(Object x) {
      println(String.valueOf(x));
    }

    @Override
    public void println(boolean x) {
      println(String.valueOf(x));
    }

    @Override
    public void println(char x) {
      println(String.valueOf(x));
    }

    @Override
    public void println(int x) {
      println(String.valueOf(x));
    }

    @Override
    public void println(long x) {
      println(String.valueOf(x));
    }

    @Override
    public void println(float x) {
      println(String.valueOf(x));
    }

    @Override
    public void println(double x) {
      println(String.valueOf(x));
    }

    @Override
    public void println(char[] x) {
      println(String.valueOf(x));
    }
  }

  /**
   * Env vars as Java system properties too, as E2B's server sets them (System.setProperty per
   * execution, for the sandbox's env vars and each execution's `envs`), so code written for E2B
   * that reads System.getProperty("NAME") finds them. A property Java itself defines
   * (user.dir, java.home, …) is never replaced by an env var of the same name.
   */
  static final class Properties {
    private static final java.util.Set<String> JAVA_OWN = System.getProperties().stringPropertyNames();

    static void exposeSandboxVariable(String name) {
      String value = System.getenv(name);
      if (value != null && !JAVA_OWN.contains(name)) System.setProperty(name, value);
    }

    /** Sets (or, for a null value, clears) each property; returns the previous values. */
    static Map<String, String> apply(Map<String, String> changes) {
      Map<String, String> previous = new LinkedHashMap<>();
      changes.forEach((name, value) -> {
        if (name.isEmpty() || JAVA_OWN.contains(name)) return;
        previous.put(name, System.getProperty(name));
        if (value == null) System.clearProperty(name);
        else System.setProperty(name, value);
      });
      return previous;
    }
  }

  /**
   * The agent's commands arrive on fd 0. They move to a private descriptor and fd 0 becomes
   * /dev/null, so neither the code (System.in) nor a process it starts with inheritIO() can
   * read them away.
   */
  static final class Stdin {
    static InputStream takeForCommands() {
      Linker linker = Linker.nativeLinker();
      try {
        MethodHandle dup = linker.downcallHandle(linker.defaultLookup().find("dup").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        MethodHandle dup2 = linker.downcallHandle(
            linker.defaultLookup().find("dup2").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        int commands = (int) dup.invokeExact(0);
        if (commands < 0) throw new IllegalStateException("dup(0) failed");
        try (FileInputStream devNull = new FileInputStream("/dev/null")) {
          if ((int) dup2.invokeExact(descriptorOf(devNull.getFD()), 0) < 0) throw new IllegalStateException("dup2 onto fd 0 failed");
        }
        FileDescriptor descriptor = new FileDescriptor();
        java.lang.reflect.Field fd = FileDescriptor.class.getDeclaredField("fd");
        fd.setAccessible(true);
        fd.setInt(descriptor, commands);
        return new FileInputStream(descriptor);
      } catch (RuntimeException | Error error) {
        throw error;
      } catch (Throwable error) {
        throw new IllegalStateException("cannot move the command channel off stdin: " + error, error);
      }
    }

    private static int descriptorOf(FileDescriptor descriptor) throws ReflectiveOperationException {
      java.lang.reflect.Field fd = FileDescriptor.class.getDeclaredField("fd");
      fd.setAccessible(true);
      return fd.getInt(descriptor);
    }
  }

  /**
   * Per-execution environment variables. Java offers no setenv: the JVM's copy of the
   * environment (System.getenv) is edited through reflection, and the process's own (what a
   * ProcessBuilder child inherits) through libc's setenv via the foreign function API. The
   * agent opens java.base to this bridge and enables preview features and native access.
   */
  static final class Environment {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SETENV = LINKER.downcallHandle(
        LINKER.defaultLookup().find("setenv").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle UNSETENV = LINKER.downcallHandle(
        LINKER.defaultLookup().find("unsetenv").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static Map<String, String> live;

    /** Sets (or, for a null value, removes) each variable; returns the previous values. */
    static Map<String, String> apply(Map<String, String> changes) {
      Map<String, String> previous = new LinkedHashMap<>();
      if (changes.isEmpty()) return previous;
      Map<String, String> env = live();
      changes.forEach((name, value) -> {
        previous.put(name, env.get(name));
        if (value == null) env.remove(name);
        else env.put(name, value);
        setNative(name, value);
      });
      return previous;
    }

    private static void setNative(String name, String value) {
      try (Arena arena = Arena.ofConfined()) {
        int status = value == null
            ? (int) UNSETENV.invokeExact(arena.allocateUtf8String(name))
            : (int) SETENV.invokeExact(arena.allocateUtf8String(name), arena.allocateUtf8String(value), 1);
        if (status != 0) throw new IllegalArgumentException("setenv refused the variable name '" + name + "'");
      } catch (RuntimeException | Error error) {
        throw error;
      } catch (Throwable error) {
        throw new IllegalStateException("setenv failed: " + error, error);
      }
    }

    @SuppressWarnings("unchecked")
    private static synchronized Map<String, String> live() {
      if (live != null) return live;
      try {
        java.lang.reflect.Field unmodifiable = Class.forName("java.lang.ProcessEnvironment").getDeclaredField("theUnmodifiableEnvironment");
        unmodifiable.setAccessible(true);
        Object view = unmodifiable.get(null);
        java.lang.reflect.Field inner = Class.forName("java.util.Collections$UnmodifiableMap").getDeclaredField("m");
        inner.setAccessible(true);
        live = (Map<String, String>) inner.get(view);
        return live;
      } catch (ReflectiveOperationException | RuntimeException error) {
        throw new IllegalStateException("cannot set environment variables in this JVM: " + error, error);
      }
    }
  }

  /**
   * The little JSON the protocol needs (the JDK ships no JSON parser, and the bridge is a single
   * source file the launcher compiles, so it takes no jar): objects, arrays, strings, numbers,
   * booleans, null. */
  static final class Json {
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?");
    private final String text;
    private int at;

    private Json(String text) {
      this.text = text;
    }

    static Object parse(String text) {
      Json parser = new Json(text);
      Object value = parser.value();
      parser.space();
      if (parser.at != text.length()) throw new IllegalArgumentException("trailing characters after JSON value");
      return value;
    }

    static String write(Object value) {
      StringBuilder out = new StringBuilder();
      write(value, out);
      return out.toString();
    }

    private static void write(Object value, StringBuilder out) {
      if (value == null) {
        out.append("null");
      } else if (value instanceof String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
          char c = text.charAt(i);
          switch (c) {
            case '"' -> out.append("\\\"");
            case '\\' -> out.append("\\\\");
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
              if (c < 0x20 || c == 0x1e || c == 0x2028 || c == 0x2029) out.append(String.format("\\u%04x", (int) c));
              else out.append(c);
            }
          }
        }
        out.append('"');
      } else if (value instanceof Number || value instanceof Boolean) {
        out.append(value);
      } else if (value instanceof Map<?, ?> map) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
          if (!first) out.append(',');
          first = false;
          write(String.valueOf(entry.getKey()), out);
          out.append(':');
          write(entry.getValue(), out);
        }
        out.append('}');
      } else if (value instanceof List<?> list) {
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) out.append(',');
          write(list.get(i), out);
        }
        out.append(']');
      } else {
        write(String.valueOf(value), out);
      }
    }

    private Object value() {
      space();
      if (at >= text.length()) throw new IllegalArgumentException("unexpected end of JSON");
      char c = text.charAt(at);
      switch (c) {
        case '{': return object();
        case '[': return array();
        case '"': return string();
        case 't': return literal("true", Boolean.TRUE);
        case 'f': return literal("false", Boolean.FALSE);
        case 'n': return literal("null", null);
        default: return number();
      }
    }

    private Map<String, Object> object() {
      Map<String, Object> map = new LinkedHashMap<>();
      at++;
      space();
      if (peek('}')) return map;
      do {
        space();
        String key = string();
        space();
        expect(':');
        map.put(key, value());
        space();
      } while (peek(','));
      expect('}');
      return map;
    }

    private List<Object> array() {
      List<Object> list = new ArrayList<>();
      at++;
      space();
      if (peek(']')) return list;
      do {
        list.add(value());
        space();
      } while (peek(','));
      expect(']');
      return list;
    }

    private String string() {
      expect('"');
      StringBuilder out = new StringBuilder();
      while (true) {
        if (at >= text.length()) throw new IllegalArgumentException("unterminated JSON string");
        char c = text.charAt(at++);
        if (c == '"') return out.toString();
        if (c != '\\') {
          out.append(c);
          continue;
        }
        char escaped = text.charAt(at++);
        switch (escaped) {
          case 'n' -> out.append('\n');
          case 't' -> out.append('\t');
          case 'r' -> out.append('\r');
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'u' -> {
            out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
            at += 4;
          }
          default -> out.append(escaped);
        }
      }
    }

    private Object number() {
      Matcher matcher = NUMBER.matcher(text).region(at, text.length());
      if (!matcher.lookingAt()) throw new IllegalArgumentException("unexpected character in JSON at " + at);
      at = matcher.end();
      String number = matcher.group();
      if (matcher.group(1) == null && matcher.group(2) == null) {
        long value = Long.parseLong(number);
        return value == (int) value ? (Object) (int) value : (Object) value;
      }
      return Double.parseDouble(number);
    }

    private Object literal(String word, Object value) {
      if (!text.startsWith(word, at)) throw new IllegalArgumentException("unexpected JSON literal at " + at);
      at += word.length();
      return value;
    }

    private void space() {
      while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++;
    }

    private boolean peek(char c) {
      if (at < text.length() && text.charAt(at) == c) {
        at++;
        return true;
      }
      return false;
    }

    private void expect(char c) {
      if (!peek(c)) throw new IllegalArgumentException("expected '" + c + "' in JSON at " + at);
    }
  }
}
