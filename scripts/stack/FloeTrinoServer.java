import io.trino.server.Server;

/**
 * Starts a Trino server from a classpath that scripts/stack/trino-install.ts assembled out of
 * Maven artifacts. Trino's own entry point lives in trino-server-main, which ships only inside the
 * server tarballs, and Maven Central serves no tarball for the Trino version we pin (see
 * trino-install.ts). The engine itself (io.trino.server.Server in trino-main) is on Central, so this
 * is all a launcher needs: a main method that hands the version to the engine.
 *
 * trino-install.ts compiles this file with the JDK Trino runs on, once per version of this source.
 */
public final class FloeTrinoServer {
  private FloeTrinoServer() {}

  public static void main(String[] args) {
    // Trino reports this version in /v1/info and to clients; trino-main's manifest carries it.
    String version = Server.class.getPackage().getImplementationVersion();
    new Server().start(version == null ? "unknown" : version);
  }
}
