// Serves Apache Iceberg's reference REST catalog (the RESTCatalogAdapter + RESTCatalogServlet from
// iceberg-open-api, the code behind the apache/iceberg-rest-fixture image) on 127.0.0.1 only.
//
// Why not the jar's own Main-Class (RESTCatalogServer)? It builds `new Server(port)`, which binds
// every interface, and it has no auth: on a shared machine the local stack must stay on loopback.
// Configuration is the same as the fixture's: CATALOG_* environment variables, prefix stripped,
// "__" -> "-", "_" -> ".", lowercased (CATALOG_S3_PATH__STYLE__ACCESS -> s3.path-style-access).
// Compiled once by `stack:install` against the shaded jar; run with that jar on the classpath.
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.rest.RESTCatalogAdapter;
import org.apache.iceberg.rest.RESTCatalogServlet;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;

public class CatalogServer {
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

    Catalog catalog = CatalogUtil.buildIcebergCatalog("rest_backend", props, new Configuration());
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
