package org.truckeefs.sql;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Records the writing statements a connection executes, with their parameters, for the redo log ({@link RedoLog}).
 * The writer's connection is wrapped once ({@link #wrap}); between {@link #start} and {@link #stop} every successful
 * execution of a statement that may write (anything but SELECT, PRAGMA and transaction control) is kept, in order.
 * Replaying them on the state the write began from gives the write's result again, whatever Java logic chose them:
 * values the body read or computed (ids, times) are in the parameters.
 *
 * <p>A JDK dynamic proxy rather than a hand-written JDBC wrapper: it needs the dozen methods that bind and execute,
 * and delegates the other two hundred unchanged. {@code unwrap(Connection.class)} answers the proxy itself, so
 * {@link StatementCache}'s statements are prepared through it. Parameters of other types than the redo log holds
 * are refused when a recorded statement executes (a write that cannot be replayed must not happen).
 *
 * <p>Not thread-safe: only the holder of the writer's lock uses the connection.
 */
final class StatementRecorder {
  private static final Set<String> SETTERS = Set.of("setNull", "setLong", "setInt", "setBytes", "setString",
      "setDouble", "setBoolean", "setShort", "setObject");
  private static final Set<String> EXECUTES = Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate");

  private List<RedoLog.Statement> recording;

  /** Starts recording a write. */
  void start() {
    recording = new ArrayList<>();
  }

  /** Stops recording and returns what the write executed. */
  List<RedoLog.Statement> stop() {
    List<RedoLog.Statement> r = recording;
    recording = null;
    return r == null ? List.of() : r;
  }

  /** {@code raw} wrapped so that its statements record. */
  Connection wrap(Connection raw) {
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
        new ConnectionHandler(raw));
  }

  /** Whether {@code sql} may change the database (and so must be replayed). */
  static boolean writes(String sql) {
    String s = sql.stripLeading();
    int end = 0;
    while (end < s.length() && Character.isLetter(s.charAt(end))) {
      end++;
    }
    return switch (s.substring(0, end).toUpperCase(Locale.ROOT)) {
      case "SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "END", "EXPLAIN" -> false;
      default -> true;
    };
  }

  private void record(String sql, Object[] params) {
    if (recording != null) {
      recording.add(new RedoLog.Statement(sql, params));
    }
  }

  private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /**
   * What every proxy does with a call it does not record: answers {@code unwrap}/{@code isWrapperFor} for itself
   * (so that code unwrapping to the interface keeps the proxy), identity for {@code equals}/{@code hashCode}, and
   * passes anything else to {@code target}.
   */
  private static Object passOn(Object proxy, Object target, Method m, Object[] args) throws Throwable {
    switch (m.getName()) {
      case "unwrap":
        return ((Class<?>) args[0]).isInstance(proxy) ? proxy : invoke(target, m, args);
      case "isWrapperFor":
        return ((Class<?>) args[0]).isInstance(proxy) || (boolean) invoke(target, m, args);
      case "equals":
        return proxy == args[0];
      case "hashCode":
        return System.identityHashCode(proxy);
      default:
        return invoke(target, m, args);
    }
  }

  private final class ConnectionHandler implements InvocationHandler {
    private final Connection raw;

    ConnectionHandler(Connection raw) {
      this.raw = raw;
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
      switch (m.getName()) {
        case "prepareStatement":
          PreparedStatement p = (PreparedStatement) StatementRecorder.invoke(raw, m, args);
          return Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
              new Class<?>[] {PreparedStatement.class}, new PreparedHandler(p, (String) args[0]));
        case "createStatement":
          Statement s = (Statement) StatementRecorder.invoke(raw, m, args);
          return Proxy.newProxyInstance(Statement.class.getClassLoader(), new Class<?>[] {Statement.class},
              new PlainHandler(s));
        default:
          return passOn(proxy, raw, m, args);
      }
    }
  }

  /** A prepared statement: keeps its bound parameters, records each successful execution of a writing one. */
  private final class PreparedHandler implements InvocationHandler {
    private final PreparedStatement target;
    private final String sql;
    private final boolean writes;
    private Object[] params = new Object[8];
    private int count;
    /** A parameter bound through a setter the redo log cannot hold, or null. */
    private String unrecordable;
    private final List<Object[]> batch = new ArrayList<>();

    PreparedHandler(PreparedStatement target, String sql) {
      this.target = target;
      this.sql = sql;
      this.writes = writes(sql);
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
      String name = m.getName();
      if (writes && name.startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer i) {
        bind(i, name, args[1]);
      } else if (writes && name.equals("clearParameters")) {
        Arrays.fill(params, null);
        count = 0;
        unrecordable = null;
      } else if (writes && recording != null && EXECUTES.contains(name) && (args == null || args.length == 0)) {
        checkRecordable();
        Object result = StatementRecorder.invoke(target, m, args);
        record(sql, Arrays.copyOf(params, count));
        return result;
      } else if (writes && name.equals("addBatch") && (args == null || args.length == 0)) {
        checkRecordable();
        batch.add(Arrays.copyOf(params, count));
      } else if (writes && name.equals("clearBatch")) {
        batch.clear();
      } else if (writes && (name.equals("executeBatch") || name.equals("executeLargeBatch"))) {
        Object result = StatementRecorder.invoke(target, m, args);
        for (Object[] p : batch) {
          record(sql, p);
        }
        batch.clear();
        return result;
      }
      return passOn(proxy, target, m, args);
    }

    private void bind(int index, String setter, Object value) {
      if (index > params.length) {
        params = Arrays.copyOf(params, Math.max(index, 2 * params.length));
      }
      count = Math.max(count, index);
      Object v = setter.equals("setNull") ? null : value;
      if (v instanceof Short s) {
        v = (int) s;
      }
      boolean holds = v == null || v instanceof Long || v instanceof Integer || v instanceof byte[]
          || v instanceof String || v instanceof Double || v instanceof Boolean;
      if (!SETTERS.contains(setter) || !holds) {
        unrecordable = setter + "(" + (v == null ? "null" : v.getClass().getSimpleName()) + ")";
      }
      params[index - 1] = v instanceof byte[] b ? b.clone() : v;
    }

    private void checkRecordable() throws SQLFeatureNotSupportedException {
      if (recording != null && unrecordable != null) {
        throw new SQLFeatureNotSupportedException("the redo log cannot hold a parameter bound with " + unrecordable);
      }
    }
  }

  /** A plain statement: records each successful execution of writing SQL text (no parameters). */
  private final class PlainHandler implements InvocationHandler {
    private final Statement target;

    PlainHandler(Statement target) {
      this.target = target;
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
      String name = m.getName();
      if (recording != null && EXECUTES.contains(name) && args != null && args.length >= 1
          && args[0] instanceof String sql) {
        Object result = StatementRecorder.invoke(target, m, args);
        if (writes(sql)) {
          record(sql, new Object[0]);
        }
        return result;
      }
      if (recording != null && (name.equals("addBatch") || name.equals("executeBatch"))) {
        throw new SQLFeatureNotSupportedException("the redo log does not record batches of plain statements");
      }
      return passOn(proxy, target, m, args);
    }
  }
}
