package org.truckeefs.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;

/**
 * The blocking connections that carry the open marks' SET, on a private {@code redis-server} (port 6395), so that
 * killing its clients disturbs no one else.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisWireIT {
  private static final int PORT = 6395;
  @RegisterExtension
  static final PrivateRedis REDIS = new PrivateRedis(PORT);

  private static RedisWire wire(int db) throws FsException {
    RedisSettings s = RedisSettings.from(URI.create("redis://127.0.0.1:" + PORT + "/" + db),
        BackendConfig.of(Map.of("redis_timeout", "3s")));
    return new RedisWire(s, "127.0.0.1:" + PORT + "/" + db);
  }

  private static String cli(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("redis-cli", "-p", String.valueOf(PORT)));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.waitFor()).isZero();
    return out;
  }

  @Test
  void set_storesTheValueWithItsExpiry_inTheConfiguredDatabase() throws Exception {
    try (RedisWire w = wire(3)) {
      w.set("put ephemeral", "wire:k", "hello wörld", 60_000);
      assertThat(cli("-n", "3", "GET", "wire:k")).isEqualTo("hello wörld");
      assertThat(Long.parseLong(cli("-n", "3", "PTTL", "wire:k"))).isBetween(1L, 60_000L);
      assertThat(cli("-n", "0", "EXISTS", "wire:k")).isEqualTo("0");
    }
  }

  @Test
  void anErrorAnswer_isEIO_andTheConnectionStaysUsable() throws Exception {
    try (RedisWire w = wire(0)) {
      w.set("put ephemeral", "wire:text", "not a number", 60_000);
      assertThatThrownBy(() -> w.call("incr", "INCR", "wire:text"))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.IO))
          .hasMessageContaining("ERR").hasMessageContaining("incr")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not a number"));
      assertThat(w.call("incr", "INCR", "wire:count")).isEqualTo("1");
    }
  }

  @Test
  void callForList_readsAScriptsTable_andRefusesAnswersOfTheOtherShape() throws Exception {
    try (RedisWire w = wire(0)) {
      cli("ZADD", "wire:z", "1", "a", "2", "b", "3", "c");
      assertThat(w.callForList("list", "EVAL", "return redis.call('ZRANGE', KEYS[1], 0, -1)", "1", "wire:z"))
          .containsExactly("a", "b", "c");
      assertThat(w.callForList("list", "ZRANGE", "wire:none", "0", "-1")).isEmpty();
      assertThatThrownBy(() -> w.callForList("list", "GET", "wire:z-missing"))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.IO));
      assertThatThrownBy(() -> w.call("one", "ZRANGE", "wire:z", "0", "-1"))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.IO));
      assertThat(w.call("get", "GET", "wire:none")).isNull(); // the connection is still in step
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void sentCommands_areNotWaitedFor_andTheNextCallReadsPastTheirAnswers_evenErrors() throws Exception {
    try (RedisWire w = wire(0)) {
      w.set("put ephemeral", "wire:text2", "text", 60_000);
      w.send("incr", b("INCR"), b("wire:sent"));
      w.send("incr", b("INCR"), b("wire:text2")); // an error answer, dropped
      w.send("incr", b("INCR"), b("wire:sent"));
      assertThat(w.call("get", "GET", "wire:sent")).isEqualTo("2");
      assertThat(w.call("get", "GET", "wire:none")).isNull();
    }
  }

  @Test
  void aTrackedSend_isConfirmedOnceItsAnswerIsRead_evenOnAConnectionNobodyUsesAgain() throws Exception {
    try (RedisWire w = wire(0)) {
      RedisWire.Sent sent = w.sendTracked("put ephemeral", b("SET"), b("wire:tracked"), b("1"));
      assertThat(sent).isNotNull();
      w.confirm("put ephemeral", sent);
      assertThat(sent.answered).isCompleted();
      assertThat(cli("GET", "wire:tracked")).isEqualTo("1");
    }
  }

  @Test
  void aConnectionClosedAsOneIdleTooMany_firstReadsTheAnswersItOwes() throws Exception {
    RedisSettings s = RedisSettings.from(URI.create("redis://127.0.0.1:" + PORT + "/0"),
        BackendConfig.of(Map.of("redis_timeout", "3s")));
    try (RedisWire w = new RedisWire(s, "127.0.0.1:" + PORT + "/0", 0)) {
      RedisWire.Sent sent = w.sendTracked("put ephemeral", b("SET"), b("wire:owed"), b("1"));
      assertThat(sent).isNotNull();
      assertThat(sent.answered).as("read before its connection was closed").isCompleted()
          .isNotCompletedExceptionally();
      w.confirm("put ephemeral", sent);
      assertThat(cli("GET", "wire:owed")).isEqualTo("1");
    }
  }

  /** Creates and closes on MariaDB only ever send (mark, change message, removal): answers must not pile up. */
  @Test
  void aConnectionThatOnlySends_keepsFewAnswersUnread() throws Exception {
    try (RedisWire w = wire(0)) {
      for (int i = 0; i < 5_000; i++) {
        w.send("incr", b("INCR"), b("wire:only-sends"));
        assertThat(w.unreadAnswers()).isLessThanOrEqualTo(65);
      }
      assertThat(w.call("get", "GET", "wire:only-sends")).isEqualTo("5000");
      assertThat(w.unreadAnswers()).isZero();
    }
  }

  /**
   * A send costs one write: the answers owed stay unread until many have piled up or somebody needs one (a send
   * that looked for arrived answers first paid two more system calls per command on the create path).
   */
  @Test
  void sendsLeaveTheirAnswersUnread_untilOneIsConfirmed_whichReadsAllOwedBeforeIt() throws Exception {
    try (RedisWire w = wire(0)) {
      List<RedisWire.Sent> sent = new java.util.ArrayList<>();
      for (int i = 0; i < 10; i++) {
        sent.add(w.sendTracked("incr", b("INCR"), b("wire:lazy")));
      }
      // Applied by Redis, answered on the socket, and still not read:
      assertThat(cli("GET", "wire:lazy")).isEqualTo("10");
      assertThat(sent).allSatisfy(s -> assertThat(s.answered).isNotDone());
      assertThat(w.unreadAnswers()).isEqualTo(10);

      w.confirm("incr", sent.get(9));
      assertThat(sent).allSatisfy(s -> assertThat(s.answered).isCompleted());
      assertThat(w.unreadAnswers()).isZero();
    }
  }

  @Test
  void aTrackedSendWhoseConnectionDies_failsItsConfirmation() throws Exception {
    try (RedisWire w = wire(0)) {
      RedisWire.Sent sent;
      cli("CLIENT", "PAUSE", "2000", "ALL");
      try {
        sent = w.sendTracked("put ephemeral", b("SET"), b("wire:lost"), b("1"));
        assertThat(sent).isNotNull();
        w.close(); // closes the idle connection with the answer unread
      } finally {
        cli("CLIENT", "UNPAUSE");
      }
      assertThat(sent.answered).isCompletedExceptionally();
      assertThatThrownBy(() -> w.confirm("put ephemeral", sent))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.IO));
    }
  }

  @Test
  void connectionsKilledWhileIdle_areReplaced_withoutAFailure() throws Exception {
    try (RedisWire w = wire(0)) {
      w.set("put ephemeral", "wire:a", "1", 60_000);
      assertThat(Long.parseLong(cli("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"))).isPositive();
      w.set("put ephemeral", "wire:a", "2", 60_000);
      assertThat(cli("GET", "wire:a")).isEqualTo("2");
    }
  }

  @Test
  void redisDown_isEIO_quickly_andTheNextSetAfterItIsBackWorks() throws Exception {
    try (RedisWire w = wire(0)) {
      w.set("put ephemeral", "wire:b", "1", 60_000);
      REDIS.stop();
      try {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> w.set("put ephemeral", "wire:b", "2", 60_000))
            .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.IO));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
      } finally {
        REDIS.start();
      }
      w.set("put ephemeral", "wire:b", "3", 60_000);
      assertThat(cli("GET", "wire:b")).isEqualTo("3");
    }
  }

  @Test
  void afterClose_itRefuses() throws Exception {
    RedisWire w = wire(0);
    w.close();
    assertThatThrownBy(() -> w.set("put ephemeral", "wire:c", "1", 60_000))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.BAD_HANDLE));
    assertThat(Optional.of(cli("EXISTS", "wire:c"))).contains("0");
  }
}
