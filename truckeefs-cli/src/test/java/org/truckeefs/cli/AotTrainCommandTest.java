package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class AotTrainCommandTest {

  private static List<Path> trainingDirs() throws Exception {
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.filter(p -> p.getFileName().toString().startsWith("truckeefs-aot-train-")).toList();
    }
  }

  @Test
  void theTrainingRun_exercisesAFilesystem_andLeavesNothingBehind() throws Exception {
    List<Path> before = trainingDirs();
    Cli r = Cli.run("aot-train", "--files", "30", "--rounds", "2");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(trainingDirs()).as("its temporary directory is removed").containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void itIsNotListedAmongTheCommands() {
    Cli r = Cli.run("--help");
    assertThat(r.out()).doesNotContain("aot-train");
  }
}
