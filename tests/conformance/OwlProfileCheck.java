import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

/** Checks each file against the OWL 2 DL profile; prints violations; exit 1 when any. */
public class OwlProfileCheck {
    public static void main(String[] args) throws Exception {
        int bad = 0;
        for (String path : args) {
            OWLOntologyManager m = OWLManager.createOWLOntologyManager();
            OWLOntology o = m.loadOntologyFromOntologyDocument(new File(path));
            OWLProfileReport r = new OWL2DLProfile().checkOntology(o);
            for (OWLProfileViolation v : r.getViolations()) {
                System.out.println(path + ": " + v);
            }
            System.out.println(path + ": " + r.getViolations().size() + " OWL 2 DL violations");
            bad += r.getViolations().size();
        }
        System.exit(bad == 0 ? 0 : 1);
    }
}
