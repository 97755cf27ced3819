package org.truckeefs.nio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Embedding" section works as pasted: its Java snippet compiles on its own (imports included) and runs,
 * and its {@code <dependency>} snippet names modules of this build at this version.
 */
class ReadmeEmbeddingExampleTest {
  @TempDir
  Path tmp;

  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  private static String section() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    int start = readme.indexOf("## Embedding");
    assertThat(start).as("README has an Embedding section").isNotNegative();
    int end = readme.indexOf("\n## ", start + 3);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  private static List<String> blocks(String text, String lang) {
    Matcher m = Pattern.compile("```" + lang + "\\n(.*?)```", Pattern.DOTALL).matcher(text);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  void javaSnippetCompilesAndRuns() throws Exception {
    List<String> java = blocks(section(), "java");
    assertThat(java).hasSize(1);
    String source = java.get(0);
    Matcher cls = Pattern.compile("public class (\\w+)").matcher(source);
    assertThat(cls.find()).isTrue();
    String className = cls.group(1);

    Path src = tmp.resolve("src");
    Path out = tmp.resolve("classes");
    Files.createDirectories(src);
    Files.createDirectories(out);
    Files.writeString(src.resolve(className + ".java"), source);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc = javac.run(null, diagnostics, diagnostics, "-classpath", System.getProperty("java.class.path"),
        "-d", out.toString(), src.resolve(className + ".java").toString());
    assertThat(rc).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();

    Path dataDir = tmp.resolve("data");
    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader())) {
      Method main = loader.loadClass(className).getMethod("main", String[].class);
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      main.invoke(null, (Object) new String[] {dataDir.toString()});
    } finally {
      System.setOut(stdout);
    }
    assertThat(printed.toString(StandardCharsets.UTF_8).trim()).isEqualTo("hi");

    // What the example wrote is on disk (SQLite metadata, local blobs) for the next run of the application.
    try (FileSystem again = FileSystems.newFileSystem(URI.create("truckeefs://readme-again"),
        Map.of("data_dir", dataDir.toString()))) {
      assertThat(Files.readString(again.getPath("/greetings/hello.txt"))).isEqualTo("hi");
    }
  }

  @Test
  void dependencySnippetNamesThisBuildsModulesAndVersion() throws Exception {
    List<String> xml = blocks(section(), "xml");
    assertThat(xml).hasSize(1);
    String pom = Files.readString(ROOT.resolve("pom.xml"));
    Matcher v = Pattern.compile("<artifactId>truckeefs-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
    assertThat(v.find()).isTrue();
    assertThat(xml.get(0)).contains("<version>" + v.group(1) + "</version>");
    Matcher a = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(xml.get(0));
    int n = 0;
    while (a.find()) {
      assertThat(ROOT.resolve(a.group(1)).resolve("pom.xml")).as(a.group(1) + " is a module").exists();
      assertThat(pom).contains("<module>" + a.group(1) + "</module>");
      n++;
    }
    assertThat(n).isGreaterThanOrEqualTo(3);
    assertThat(blocks(section(), "sh")).anySatisfy(s -> assertThat(s).contains("install"));
  }
}
