package org.truckeefs.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code truckeefs --version}: the project version and the git commit the jar was built from (filtered at build). */
final class VersionInfo implements IVersionProvider {
  @Override
  public String[] getVersion() {
    Properties p = new Properties();
    try (InputStream in = VersionInfo.class.getResourceAsStream("/truckeefs-version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // no properties: shown as unknown below
    }
    String commit = known(p.getProperty("commit"));
    boolean dirty = "true".equals(p.getProperty("dirty"));
    return new String[] {
        "truckeefs " + known(p.getProperty("version")) + " (commit " + commit + (dirty ? ", modified" : "")
            + (known(p.getProperty("commit_time")).equals("unknown") ? "" : ", " + p.getProperty("commit_time")) + ")",
        "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
            + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
  }

  private static String known(String v) {
    return v == null || v.isBlank() || v.startsWith("${") ? "unknown" : v;
  }
}
