package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A process that makes system calls on request (fsagent.py), as root or as another uid through {@code setpriv}.
 * It keeps descriptors open between calls, so a test can hold a lock in one process and probe from another.
 */
final class FsAgent implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Path script;

  /** One answer: {@code ok} holds the value, or {@code err} the errno name. */
  record Result(JsonNode ok, String err) {
    int asInt() {
      assertThat(err).as("error").isNull();
      return ok.asInt();
    }

    long asLong() {
      assertThat(err).as("error").isNull();
      return ok.asLong();
    }
  }

  private final Process process;
  private final Writer in;
  private final BufferedReader out;

  private FsAgent(List<String> command) {
    try {
      process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  static FsAgent root() {
    return new FsAgent(List.of(python(), script().toString()));
  }

  /** A process with uid/gid {@code id} and no supplementary groups (unless {@code groups} are given). */
  static FsAgent user(int uid, int gid, int... groups) {
    List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid));
    if (groups.length == 0) {
      cmd.add("--clear-groups");
    } else {
      cmd.add("--groups=" + String.join(",", Arrays.stream(groups).mapToObj(Integer::toString).toList()));
    }
    cmd.add(python());
    cmd.add(script().toString());
    return new FsAgent(cmd);
  }

  Result call(Object... request) {
    try {
      in.write(JSON.writeValueAsString(request) + "\n");
      in.flush();
      String line = out.readLine();
      if (line == null) {
        throw new IllegalStateException("fsagent died");
      }
      JsonNode n = JSON.readTree(line);
      if (n.has("bug")) {
        throw new IllegalStateException("fsagent: " + n.get("bug").asText() + " for " + Arrays.toString(request));
      }
      return new Result(n.get("ok"), n.has("err") ? n.get("err").asText() : null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Calls and asserts success; returns the value. */
  JsonNode ok(Object... request) {
    Result r = call(request);
    assertThat(r.err()).as("%s", Arrays.toString(request)).isNull();
    return r.ok();
  }

  /** Calls and returns the errno name (null on success). */
  String err(Object... request) {
    return call(request).err();
  }

  JsonNode stat(String path) {
    return ok("stat", path);
  }

  JsonNode lstat(String path) {
    return ok("lstat", path);
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      // the process is going anyway
    }
    process.destroy();
  }

  private static String python() {
    return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
  }

  /** The script, copied where any uid can read it. */
  private static synchronized Path script() {
    if (script == null) {
      try (InputStream s = FsAgent.class.getResourceAsStream("fsagent.py")) {
        Path p = Files.createTempFile("truckeefs-fsagent", ".py");
        Files.copy(s, p, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        p.toFile().deleteOnExit();
        script = p;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return script;
  }
}
