// Serves Apache Iceberg's reference REST catalog (RESTCatalogAdapter + RESTCatalogServlet, the code
// behind the apache/iceberg-rest-fixture image) on 127.0.0.1 only.
//
// Why not Iceberg's RESTCatalogServer (the shaded jar's Main-Class, in iceberg-open-api's
// test-fixtures)? It builds `new Server(port)`, which binds every interface, and it has no auth: on
// a shared machine the local stack must stay on loopback.
// Configuration is the same as the fixture's: CATALOG_* environment variables, prefix stripped,
// "__" -> "-", "_" -> ".", lowercased (CATALOG_S3_PATH__STYLE__ACCESS -> s3.path-style-access).
//
// The classpath (scripts/stack/install.ts) is iceberg-core/api/aws of one version, whose main jars
// hold everything the catalog decides (CatalogHandlers, TableMetadata, update and requirement
// checks, JdbcCatalog), then the test jars that only route HTTP to it (RESTCatalogAdapter,
// RESTCatalogServlet), possibly of an older version. The first line printed names the jar each of
// those classes was loaded from, so the log shows which Iceberg really answers.
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.IcebergBuild;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.rest.CatalogHandlers;
import org.apache.iceberg.rest.RESTCatalogAdapter;
import org.apache.iceberg.rest.RESTCatalogServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;

public class CatalogServer {
  private static String jarOf(Class<?> cls) {
    String path = cls.getProtectionDomain().getCodeSource().getLocation().getPath();
    return path.substring(path.lastIndexOf('/') + 1);
  }

  @SuppressWarnings("removal") // GzipHandler: Jetty 12.1 prefers jetty-compression, two jars more for the same.
  public static void main(String[] args) throws Exception {
    Map<String, String> props = new HashMap<>();
    System.getenv()
        .forEach(
            (key, value) -> {
              if (key.startsWith("CATALOG_")) {
                String name =
                    key.substring("CATALOG_".length()).replace("__", "-").replace("_", ".").toLowerCase(Locale.ROOT);
                props.put(name, value);
              }
            });
    props.putIfAbsent("catalog-impl", JdbcCatalog.class.getName());
    props.putIfAbsent("jdbc.schema-version", "V1");
    String host = props.getOrDefault("rest.host", "127.0.0.1");
    int port = Integer.parseInt(props.getOrDefault("rest.port", "8181"));
    if (!props.containsKey("warehouse") || !props.containsKey("uri")) {
      throw new IllegalArgumentException("CATALOG_WAREHOUSE and CATALOG_URI must be set");
    }
    System.out.println(
        "Iceberg " + IcebergBuild.version()
            + ": TableMetadata from " + jarOf(TableMetadata.class)
            + ", CatalogHandlers from " + jarOf(CatalogHandlers.class)
            + ", RESTCatalogAdapter from " + jarOf(RESTCatalogAdapter.class));

    // No Hadoop Configuration: the catalog reads and writes through S3FileIO (io-impl), and Hadoop
    // on the classpath would only be needed for HadoopFileIO.
    Catalog catalog = CatalogUtil.buildIcebergCatalog("rest_backend", props, null);
    RESTCatalogAdapter adapter = new RESTCatalogAdapter(catalog);

    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.addServlet(new ServletHolder(new RESTCatalogServlet(adapter)), "/*");
    context.insertHandler(new GzipHandler());

    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    server.setHandler(context);
    server.start();
    System.out.println("Iceberg REST catalog listening on http://" + host + ":" + port + " warehouse=" + props.get("warehouse"));
    server.join();
  }
}
