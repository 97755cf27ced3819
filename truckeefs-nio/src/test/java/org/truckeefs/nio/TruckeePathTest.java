package org.truckeefs.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ProviderMismatchException;
import org.junit.jupiter.api.Test;

/** Path syntax, as the JDK's Unix paths behave. */
class TruckeePathTest extends NioFixture {

  @Test
  void rootHasNoParentNoFileNameAndNoNames() {
    Path root = path("/");
    assertThat(root.isAbsolute()).isTrue();
    assertThat(root.getParent()).isNull();
    assertThat(root.getFileName()).isNull();
    assertThat(root.getNameCount()).isZero();
    assertThat(root.getRoot()).isEqualTo(root);
  }

  @Test
  void repeatedAndTrailingSlashesAreDropped() {
    assertThat(path("//a///b/").toString()).isEqualTo("/a/b");
  }

  @Test
  void moreComponentsAreJoined() {
    assertThat(path("/a", "b", "", "c").toString()).isEqualTo("/a/b/c");
  }

  @Test
  void nulIsRejected() {
    assertThatThrownBy(() -> path("/a\0b")).isInstanceOf(InvalidPathException.class);
  }

  @Test
  void namesOfAnAbsolutePath() {
    Path p = path("/a/b/c");
    assertThat(p.getNameCount()).isEqualTo(3);
    assertThat(p.getName(0).toString()).isEqualTo("a");
    assertThat(p.getName(2).toString()).isEqualTo("c");
    assertThat(p.getFileName().toString()).isEqualTo("c");
    assertThat(p.getParent().toString()).isEqualTo("/a/b");
    assertThat(path("/a").getParent().toString()).isEqualTo("/");
  }

  @Test
  void getNameOutOfRangeFails() {
    assertThatThrownBy(() -> path("/a").getName(1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void relativePathHasNoRootAndASingleNameHasNoParent() {
    Path p = path("a");
    assertThat(p.isAbsolute()).isFalse();
    assertThat(p.getRoot()).isNull();
    assertThat(p.getParent()).isNull();
    assertThat(path("a/b").getParent().toString()).isEqualTo("a");
  }

  @Test
  void emptyPathHasOneEmptyName() {
    Path p = path("");
    assertThat(p.getNameCount()).isEqualTo(1);
    assertThat(p.getFileName().toString()).isEmpty();
  }

  @Test
  void subpath() {
    assertThat(path("/a/b/c/d").subpath(1, 3).toString()).isEqualTo("b/c");
    assertThatThrownBy(() -> path("/a/b").subpath(1, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void startsWithComparesWholeNames() {
    assertThat(path("/ab/c").startsWith(path("/ab"))).isTrue();
    assertThat(path("/ab/c").startsWith(path("/a"))).isFalse();
    assertThat(path("/ab/c").startsWith("/")).isTrue();
    assertThat(path("ab/c").startsWith(path("/ab"))).isFalse();
  }

  @Test
  void endsWithComparesWholeNames() {
    assertThat(path("/a/bc").endsWith(path("bc"))).isTrue();
    assertThat(path("/a/bc").endsWith(path("c"))).isFalse();
    assertThat(path("/a/bc").endsWith(path("/a/bc"))).isTrue();
    assertThat(path("/a/bc").endsWith("a/bc")).isTrue();
  }

  @Test
  void normalizeRemovesDotsAndDotDots() {
    assertThat(path("/a/./b/../c").normalize().toString()).isEqualTo("/a/c");
    assertThat(path("/../a").normalize().toString()).isEqualTo("/a");
    assertThat(path("../a/../../b").normalize().toString()).isEqualTo("../../b");
  }

  @Test
  void resolve() {
    assertThat(path("/a").resolve("b/c").toString()).isEqualTo("/a/b/c");
    assertThat(path("/a").resolve("/x").toString()).isEqualTo("/x");
    assertThat(path("/").resolve("x").toString()).isEqualTo("/x");
    assertThat(path("/a").resolve("").toString()).isEqualTo("/a");
    assertThat(path("/a/b").resolveSibling("c").toString()).isEqualTo("/a/c");
  }

  @Test
  void relativize() {
    assertThat(path("/a/b").relativize(path("/a/b/c/d")).toString()).isEqualTo("c/d");
    assertThat(path("/a/b").relativize(path("/a/x")).toString()).isEqualTo("../x");
    assertThat(path("/a").relativize(path("/a")).toString()).isEmpty();
    assertThat(path("/a/b").resolve(path("/a/b").relativize(path("/c"))).normalize()).isEqualTo(path("/c"));
  }

  @Test
  void relativizeMixedFails() {
    assertThatThrownBy(() -> path("/a").relativize(path("b"))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void toAbsolutePathStartsAtTheRoot() {
    assertThat(path("a/b").toAbsolutePath().toString()).isEqualTo("/a/b");
  }

  @Test
  void uriRoundTrip() {
    Path p = path("/dir/with space/f");
    assertThat(p.toUri().getScheme()).isEqualTo("truckeefs");
    assertThat(p.toUri().getAuthority()).isEqualTo(uri.getAuthority());
    assertThat(java.nio.file.Path.of(p.toUri())).isEqualTo(p);
  }

  @Test
  void equalityAndOrder() {
    assertThat(path("/a/b")).isEqualTo(path("/a//b/")).hasSameHashCodeAs(path("/a/b"));
    assertThat(path("/a").compareTo(path("/b"))).isNegative();
    assertThat(path("/a")).isNotEqualTo(FileSystems.getDefault().getPath("/a"));
  }

  @Test
  void iteratesOverNames() {
    java.util.List<String> names = new java.util.ArrayList<>();
    path("/x/y/z").forEach(n -> names.add(n.toString()));
    assertThat(names).containsExactly("x", "y", "z");
  }

  @Test
  void mixingProvidersFails() {
    assertThatThrownBy(() -> path("/a").resolve(FileSystems.getDefault().getPath("b")))
        .isInstanceOf(ProviderMismatchException.class);
  }

  @Test
  void toFileIsNotPossible() {
    assertThatThrownBy(() -> path("/a").toFile()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void globMatcher() {
    PathMatcher m = fs.getPathMatcher("glob:/d/*.{txt,md}");
    assertThat(m.matches(path("/d/a.txt"))).isTrue();
    assertThat(m.matches(path("/d/a.md"))).isTrue();
    assertThat(m.matches(path("/d/e/a.txt"))).isFalse();
    assertThat(fs.getPathMatcher("glob:**/*.java").matches(path("/src/x/Y.java"))).isTrue();
    assertThat(fs.getPathMatcher("glob:f?[0-9]").matches(path("fa1"))).isTrue();
    assertThat(fs.getPathMatcher("glob:f[!a]").matches(path("fa"))).isFalse();
  }

  @Test
  void regexMatcherAndUnknownSyntax() {
    assertThat(fs.getPathMatcher("regex:/a/[0-9]+").matches(path("/a/42"))).isTrue();
    assertThatThrownBy(() -> fs.getPathMatcher("foo:x")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> fs.getPathMatcher("nocolon")).isInstanceOf(IllegalArgumentException.class);
  }
}
