package org.truckeefs.nio;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The watch service reports what the filesystem's change events say. Events arrive asynchronously: the tests wait
 * for them with {@code poll(timeout)} (a condition, not a sleep).
 */
class WatchServiceTest extends NioFixture {

  /** Collects events from keys until one of {@code kind} for {@code name} is seen (or 10 s pass). */
  private static List<String> until(WatchService ws, WatchEvent.Kind<?> kind, String name) throws Exception {
    List<String> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      WatchKey k = ws.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (k == null) {
        break;
      }
      for (WatchEvent<?> e : k.pollEvents()) {
        seen.add(e.kind().name() + " " + e.context());
      }
      k.reset();
      if (seen.contains(kind.name() + " " + name)) {
        return seen;
      }
    }
    throw new AssertionError("no " + kind.name() + " " + name + " within 10 s; saw " + seen);
  }

  @Test
  void createIsReported() throws Exception {
    Files.createDirectory(path("/w"));
    try (WatchService ws = fs.newWatchService()) {
      WatchKey key = path("/w").register(ws, ENTRY_CREATE);
      assertThat(key.watchable()).isEqualTo(path("/w"));
      Files.writeString(path("/w/new"), "x");
      assertThat(until(ws, ENTRY_CREATE, "new")).contains("ENTRY_CREATE new");
    }
  }

  @Test
  void deleteIsReported() throws Exception {
    Files.createDirectory(path("/w"));
    Files.createFile(path("/w/old"));
    try (WatchService ws = fs.newWatchService()) {
      path("/w").register(ws, ENTRY_DELETE);
      Files.delete(path("/w/old"));
      until(ws, ENTRY_DELETE, "old");
    }
  }

  @Test
  void contentChangeIsAModify() throws Exception {
    Files.createDirectory(path("/w"));
    Files.writeString(path("/w/f"), "1");
    try (WatchService ws = fs.newWatchService()) {
      path("/w").register(ws, ENTRY_MODIFY);
      Files.writeString(path("/w/f"), "2");
      until(ws, ENTRY_MODIFY, "f");
    }
  }

  @Test
  void renameIsDeleteAndCreate() throws Exception {
    Files.createDirectory(path("/w"));
    Files.createFile(path("/w/a"));
    try (WatchService ws = fs.newWatchService()) {
      path("/w").register(ws, ENTRY_CREATE, ENTRY_DELETE);
      Files.move(path("/w/a"), path("/w/b"));
      List<String> seen = new ArrayList<>(until(ws, ENTRY_CREATE, "b"));
      if (!seen.contains("ENTRY_DELETE a")) {
        seen.addAll(until(ws, ENTRY_DELETE, "a"));
      }
      assertThat(seen).contains("ENTRY_DELETE a", "ENTRY_CREATE b");
    }
  }

  @Test
  void onlyRegisteredKindsAreReported() throws Exception {
    Files.createDirectory(path("/w"));
    Files.createFile(path("/w/c"));
    try (WatchService ws = fs.newWatchService()) {
      path("/w").register(ws, ENTRY_DELETE);
      Files.createFile(path("/w/d"));
      Files.delete(path("/w/c"));
      List<String> seen = until(ws, ENTRY_DELETE, "c");
      assertThat(seen).noneMatch(s -> s.startsWith("ENTRY_CREATE"));
    }
  }

  @Test
  void aChangeUndoneBeforeThePollIsNotReported() throws Exception {
    Files.createDirectory(path("/w"));
    try (WatchService ws = fs.newWatchService()) {
      path("/w").register(ws, ENTRY_CREATE, ENTRY_DELETE);
      Files.createFile(path("/w/brief"));
      Files.delete(path("/w/brief"));
      Files.createFile(path("/w/stays"));
      assertThat(until(ws, ENTRY_CREATE, "stays")).doesNotContain("ENTRY_DELETE brief");
    }
  }

  @Test
  void otherDirectoriesAreNotReported() throws Exception {
    Files.createDirectory(path("/w"));
    Files.createDirectory(path("/other"));
    try (WatchService ws = fs.newWatchService()) {
      path("/w").register(ws, ENTRY_CREATE);
      Files.createFile(path("/other/x"));
      Files.createFile(path("/w/y"));
      assertThat(until(ws, ENTRY_CREATE, "y")).doesNotContain("ENTRY_CREATE x");
    }
  }

  @Test
  void cancelledKeyIsInvalid() throws Exception {
    Files.createDirectory(path("/w"));
    try (WatchService ws = fs.newWatchService()) {
      WatchKey k = path("/w").register(ws, ENTRY_CREATE);
      k.cancel();
      assertThat(k.isValid()).isFalse();
      assertThat(k.reset()).isFalse();
    }
  }

  @Test
  void registeringAFileFails() throws Exception {
    Files.createFile(path("/f"));
    try (WatchService ws = fs.newWatchService()) {
      assertThatThrownBy(() -> path("/f").register(ws, ENTRY_CREATE)).isInstanceOf(NotDirectoryException.class);
    }
  }

  @Test
  void closedServiceRefuses() throws Exception {
    WatchService ws = fs.newWatchService();
    WatchKey k = path("/").register(ws, ENTRY_CREATE);
    ws.close();
    assertThat(k.isValid()).isFalse();
    assertThatThrownBy(ws::poll).isInstanceOf(ClosedWatchServiceException.class);
  }

  @Test
  void takeWakesUpOnAChange() throws Exception {
    Files.createDirectory(path("/w"));
    try (WatchService ws = fs.newWatchService()) {
      path("/w").register(ws, ENTRY_CREATE);
      Thread writer = new Thread(() -> {
        try {
          Files.createFile(path("/w/later"));
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      writer.start();
      WatchKey k = ws.take();
      writer.join();
      assertThat(k.pollEvents()).extracting(e -> e.context().toString()).contains("later");
    }
  }

  @Test
  void watchingTheSameDirectoryTwiceGivesTheSameKey() throws Exception {
    Files.createDirectory(path("/w"));
    try (WatchService ws = fs.newWatchService()) {
      WatchKey a = path("/w").register(ws, ENTRY_CREATE);
      WatchKey b = path("/w").register(ws, ENTRY_CREATE, ENTRY_DELETE);
      assertThat(b).isSameAs(a);
    }
  }

  @Test
  void aRemovedWatchedDirectoryEndsItsKey() throws Exception {
    Files.createDirectories(path("/p/w"));
    try (WatchService ws = fs.newWatchService()) {
      WatchKey k = path("/p/w").register(ws, ENTRY_CREATE);
      path("/p").register(ws, ENTRY_DELETE);
      Files.delete(path("/p/w"));
      until(ws, ENTRY_DELETE, "w");
      assertThat(k.isValid()).isFalse();
    }
  }
}
