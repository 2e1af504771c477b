package io.tributary.ops.docker;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** The Jib configuration of ops/pom.xml's image profile: what the image tarballs are built with. */
record JibConfig(Document pom) {
    static JibConfig read(Path pom) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false);
        return new JibConfig(f.newDocumentBuilder().parse(pom.toFile()));
    }

    String projectVersion() {
        Element parent = (Element) pom.getElementsByTagName("parent").item(0);
        return text(parent, "version");
    }

    String user() {
        return text(plugin(), "user");
    }

    List<String> args() {
        List<String> out = new ArrayList<>();
        NodeList args = ((Element) plugin().getElementsByTagName("args").item(0)).getElementsByTagName("arg");
        for (int i = 0; i < args.getLength(); i++) {
            out.add(args.item(i).getTextContent().strip());
        }
        return out;
    }

    String image(String deployable) {
        return text((Element) execution(deployable).getElementsByTagName("to").item(0), "image");
    }

    String port(String deployable) {
        return text(execution(deployable), "port");
    }

    /** The entrypoint of a deployable's image, word by word. */
    List<String> entrypoint(String deployable) {
        List<String> out = new ArrayList<>();
        NodeList entries = execution(deployable).getElementsByTagName("entry");
        for (int i = 0; i < entries.getLength(); i++) {
            out.add(entries.item(i).getTextContent().strip());
        }
        return out;
    }

    private Element plugin() {
        NodeList plugins = pom.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element p = (Element) plugins.item(i);
            if ("jib-maven-plugin".equals(text(p, "artifactId"))) {
                return p;
            }
        }
        throw new IllegalStateException("no jib-maven-plugin in ops/pom.xml");
    }

    private Element execution(String deployable) {
        NodeList executions = plugin().getElementsByTagName("execution");
        for (int i = 0; i < executions.getLength(); i++) {
            Element e = (Element) executions.item(i);
            if (("image-" + deployable).equals(text(e, "id"))) {
                return e;
            }
        }
        throw new IllegalStateException("no Jib execution image-" + deployable + " in ops/pom.xml");
    }

    private static String text(Element parent, String tag) {
        Node n = parent.getElementsByTagName(tag).item(0);
        if (n == null) {
            throw new IllegalStateException("no <" + tag + "> under <" + parent.getTagName() + ">");
        }
        return n.getTextContent().strip();
    }
}
