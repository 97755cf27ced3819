package org.truckeefs.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** DirectoryStream, Files.list, Files.walk, Files.find and walkFileTree. */
class DirectoriesTest extends NioFixture {

  private void tree() throws IOException {
    Files.createDirectories(path("/t/a/b"));
    Files.createDirectories(path("/t/c"));
    Files.writeString(path("/t/x.txt"), "x");
    Files.writeString(path("/t/a/y.txt"), "y");
    Files.writeString(path("/t/a/b/z.md"), "z");
  }

  @Test
  void directoryStreamListsChildrenWithoutDots() throws Exception {
    tree();
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(path("/t"))) {
      s.forEach(p -> names.add(p.getFileName().toString()));
    }
    assertThat(names).containsExactlyInAnyOrder("a", "c", "x.txt");
  }

  @Test
  void directoryStreamEntriesAreResolvedAgainstTheDirectory() throws Exception {
    tree();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(path("/t/a"))) {
      assertThat(s).contains(path("/t/a/y.txt"), path("/t/a/b"));
    }
  }

  @Test
  void directoryStreamWithGlob() throws Exception {
    tree();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(path("/t"), "*.txt")) {
      assertThat(s).containsExactly(path("/t/x.txt"));
    }
  }

  @Test
  void directoryStreamWithFilter() throws Exception {
    tree();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(path("/t"), Files::isDirectory)) {
      assertThat(s).containsExactlyInAnyOrder(path("/t/a"), path("/t/c"));
    }
  }

  @Test
  void directoryStreamIteratesOnce() throws Exception {
    tree();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(path("/t"))) {
      s.iterator();
      assertThatThrownBy(s::iterator).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void closedDirectoryStreamStopsIterating() throws Exception {
    tree();
    DirectoryStream<Path> s = Files.newDirectoryStream(path("/t"));
    var it = s.iterator();
    s.close();
    assertThat(it.hasNext()).isFalse();
  }

  @Test
  void directoryStreamOfMissingDirectoryFails() {
    assertThatThrownBy(() -> Files.newDirectoryStream(path("/missing")))
        .isInstanceOf(java.nio.file.NoSuchFileException.class);
  }

  @Test
  void manyEntriesAreAllListed() throws Exception {
    Files.createDirectory(path("/many"));
    for (int i = 0; i < 600; i++) {
      Files.createFile(path("/many/f" + i));
    }
    try (Stream<Path> s = Files.list(path("/many"))) {
      assertThat(s.count()).isEqualTo(600);
    }
  }

  @Test
  void walkVisitsEverythingDepthFirst() throws Exception {
    tree();
    try (Stream<Path> s = Files.walk(path("/t"))) {
      assertThat(s.map(Path::toString).collect(Collectors.toList())).containsExactlyInAnyOrder(
          "/t", "/t/a", "/t/a/b", "/t/a/b/z.md", "/t/a/y.txt", "/t/c", "/t/x.txt");
    }
  }

  @Test
  void walkWithMaxDepth() throws Exception {
    tree();
    try (Stream<Path> s = Files.walk(path("/t"), 1)) {
      assertThat(s.count()).isEqualTo(4);
    }
  }

  @Test
  void findByAttributes() throws Exception {
    tree();
    try (Stream<Path> s = Files.find(path("/t"), 10, (p, a) -> a.isRegularFile() && p.toString().endsWith(".md"))) {
      assertThat(s).containsExactly(path("/t/a/b/z.md"));
    }
  }

  @Test
  void walkFileTreeDeletesATree() throws Exception {
    tree();
    Files.walkFileTree(path("/t"), new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
    assertThat(Files.exists(path("/t"))).isFalse();
  }

  @Test
  void walkFollowingLinksDetectsACycle() throws Exception {
    Files.createDirectories(path("/loop/d"));
    Files.createSymbolicLink(path("/loop/d/up"), path("/loop"));
    List<IOException> failures = new ArrayList<>();
    Files.walkFileTree(path("/loop"), java.util.EnumSet.of(FileVisitOption.FOLLOW_LINKS), 20,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFileFailed(Path file, IOException exc) {
            failures.add(exc);
            return FileVisitResult.CONTINUE;
          }
        });
    assertThat(failures).singleElement().isInstanceOf(java.nio.file.FileSystemLoopException.class);
  }

  @Test
  void listOfTheRoot() throws Exception {
    Files.createFile(path("/top"));
    try (Stream<Path> s = Files.list(path("/"))) {
      assertThat(s).containsExactly(path("/top"));
    }
  }

  @Test
  void rootDirectories() {
    assertThat(fs.getRootDirectories()).containsExactly(path("/"));
    assertThat(fs.getSeparator()).isEqualTo("/");
  }
}
