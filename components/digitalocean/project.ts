import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link Project}. */
export interface ProjectArgs {
    /** Unique in the account: `alicerce-do-prod`. */
    readonly projectName: string;
    readonly description: string;
}

/**
 * A DigitalOcean project grouping the stack's resources in the control
 * panel and on the invoice. Droplets join at creation (the pool's template
 * names the project); the rest join with {@link Project.attach}, because
 * changing a cluster's `projectId` argument risks a replacement while
 * project membership is a separate, harmless assignment.
 */
export class Project extends pulumi.ComponentResource {
    public readonly id: pulumi.Output<string>;
    private readonly componentName: string;

    constructor(name: string, args: ProjectArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:digitalocean:Project", name, {}, opts);
        this.componentName = name;
        const project = new digitalocean.Project(
            `${name}-project`,
            // Every tier serves paying customers, so the project is marked Production from mvp on.
            { name: args.projectName, description: args.description, purpose: "Web Application", environment: "Production" },
            { parent: this },
        );
        this.id = project.id;
        this.registerOutputs({ id: this.id });
    }

    /** Assigns resources (by DigitalOcean URN: `do:dbaas:...`, `do:space:...`) to the project. */
    attach(urns: pulumi.Input<string>[]): digitalocean.ProjectResources {
        return new digitalocean.ProjectResources(`${this.componentName}-resources`, { project: this.id, resources: urns }, { parent: this });
    }
}
